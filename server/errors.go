package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/violation"
)

// errorBody is the JSON shape of every 4xx/5xx answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiError is an error with an HTTP status and a stable code.
type apiError struct {
	Status  int
	Code    string
	Message string
	Fields  map[string]string
}

func (e *apiError) Error() string { return fmt.Sprintf("server: %s: %s", e.Code, e.Message) }

func badRequest(code, field, msg string) *apiError {
	e := &apiError{Status: http.StatusBadRequest, Code: code, Message: msg}
	if field != "" {
		e.Fields = map[string]string{field: msg}
	}
	return e
}

// errNotFound is what callers get for missing and for hidden events alike.
var errNotFound = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such resource"}

// handleError is the one place that maps errors to HTTP answers and the
// only place that logs internal errors.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed || s.staleAgenda(c, err) {
		return
	}
	d, status := s.describe(err)
	switch {
	case status == http.StatusServiceUnavailable:
		s.log.Warn("store unavailable", "method", c.Request().Method, "route", c.Path(), "err", err)
		c.Response().Header().Set("Retry-After", "5")
	case status >= 500:
		s.log.Error("internal error", "method", c.Request().Method, "route", c.Path(), "err", err)
	}
	var pe *pageError
	if errors.As(err, &pe) || wantsHTML(c) {
		if pe == nil {
			pe = htmlError(status)
		}
		s.renderError(c, pe)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="majlis"`)
	}
	_ = c.JSON(status, errorBody{Error: d})
}

func (s *Server) describe(err error) (errorDetail, int) {
	var (
		ae *apiError
		ve *agenda.ValidationError
		// The general assembly's domains' (institution, ballot): one
		// way to read their fields (see violation).
		vf violation.Error
		he *echo.HTTPError
		se *json.SyntaxError
		te *json.UnmarshalTypeError
	)
	var pe *pageError
	switch {
	case errors.As(err, &pe):
		return errorDetail{Code: map[int]string{400: "bad_request", 404: "not_found", 429: "rate_limited"}[pe.Status], Message: pe.Body}, pe.Status
	case errors.As(err, &ae):
		return errorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}, ae.Status
	case errors.As(err, &ve):
		return errorDetail{Code: "invalid", Message: "the request breaks a rule; see fields", Fields: ve.Fields}, http.StatusUnprocessableEntity
	case errors.As(err, &vf):
		return errorDetail{Code: "invalid", Message: "the request breaks a rule; see fields", Fields: vf.Violations()}, http.StatusUnprocessableEntity
	case errors.Is(err, institution.ErrConflict), errors.Is(err, ballot.ErrConflict):
		return errorDetail{Code: "precondition_failed", Message: "the resource changed since you read it; fetch it again and retry"}, http.StatusPreconditionFailed
	case errors.Is(err, institution.ErrUnavailable), errors.Is(err, ballot.ErrUnavailable):
		return errorDetail{Code: "unavailable", Message: "the store is not reachable; nothing was changed that you can rely on — retry in a few seconds"}, http.StatusServiceUnavailable
	case errors.Is(err, institution.ErrNotFound), errors.Is(err, ballot.ErrNotFound):
		return errorDetail{Code: errNotFound.Code, Message: errNotFound.Message}, http.StatusNotFound
	case ballot.CodeOf(err) != "":
		return errorDetail{Code: string(ballot.CodeOf(err)), Message: err.Error()}, http.StatusConflict
	case errors.Is(err, agenda.ErrConflict):
		return errorDetail{Code: "precondition_failed", Message: "the resource changed since you read it; fetch it again and retry"}, http.StatusPreconditionFailed
	case errors.Is(err, agenda.ErrUnavailable):
		return errorDetail{Code: "unavailable", Message: "the store is not reachable; nothing was changed that you can rely on — retry in a few seconds"}, http.StatusServiceUnavailable
	case errors.Is(err, agenda.ErrNotFound), errors.Is(err, access.ErrNotFound):
		return errorDetail{Code: errNotFound.Code, Message: errNotFound.Message}, http.StatusNotFound
	case errors.Is(err, errMissingToken):
		return errorDetail{Code: "unauthorized", Message: "an organizer token is required: Authorization: Bearer <token>"}, http.StatusUnauthorized
	case errors.Is(err, access.ErrUnauthorized):
		return errorDetail{Code: "unauthorized", Message: "the token is malformed, unknown or revoked"}, http.StatusUnauthorized
	case errors.Is(err, access.ErrForbidden):
		return errorDetail{Code: "forbidden", Message: "not allowed"}, http.StatusForbidden
	case errors.As(err, &se):
		return errorDetail{Code: "malformed_json", Message: fmt.Sprintf("malformed JSON at byte %d", se.Offset)}, http.StatusBadRequest
	case errors.As(err, &te):
		return errorDetail{Code: "invalid", Message: "wrong JSON type", Fields: map[string]string{te.Field: fmt.Sprintf("must be %s, got %s", te.Type, te.Value)}}, http.StatusBadRequest
	case errors.As(err, &he):
		code := map[int]string{
			http.StatusNotFound:              "not_found",
			http.StatusMethodNotAllowed:      "method_not_allowed",
			http.StatusRequestEntityTooLarge: "body_too_large",
			http.StatusUnauthorized:          "unauthorized",
			http.StatusForbidden:             "forbidden",
			http.StatusTooManyRequests:       "rate_limited",
			http.StatusBadRequest:            "bad_request",
		}[he.Code]
		if code == "" {
			code = "error"
		}
		msg := http.StatusText(he.Code)
		if he.Code == http.StatusRequestEntityTooLarge {
			msg = "request body too large (limit " + s.cfg.BodyLimit + "B)"
		} else if m, ok := he.Message.(string); ok && he.Code < 500 {
			msg = m
		}
		return errorDetail{Code: code, Message: msg}, he.Code
	default:
		return errorDetail{Code: "internal", Message: "internal error"}, http.StatusInternalServerError
	}
}

// htmlError is the page shown to a browser for an error that is not a
// pageError.
func htmlError(status int) *pageError {
	switch {
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return &pageError{Status: status, Title: "error.not_found.title", Body: "error.not_found.body"}
	case status == http.StatusTooManyRequests:
		return &pageError{Status: status, Title: "error.too_many.title", Body: "error.too_many.body"}
	case status < 500:
		return &pageError{Status: status, Title: "error.bad_request.title", Body: "error.not_found.body"}
	default:
		return &pageError{Status: status, Title: "error.internal.title", Body: "error.internal.body"}
	}
}
