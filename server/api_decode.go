package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// decodeJSON reads exactly one JSON object into v, rejecting unknown
// fields, trailing data and non-JSON content types. The body size is
// already capped by the BodyLimit middleware.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "send Content-Type: application/json"}
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed_json", "", "the body must hold exactly one JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var (
		se *json.SyntaxError
		te *json.UnmarshalTypeError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &he):
		return he
	case errors.Is(err, io.EOF):
		return badRequest("malformed_json", "", "the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed_json", "", "the JSON body ends too early")
	case errors.As(err, &se):
		return badRequest("malformed_json", "", fmt.Sprintf("malformed JSON at byte %d: %s", se.Offset, se.Error()))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &apiError{Status: http.StatusBadRequest, Code: "invalid", Message: "wrong JSON type for " + field,
			Fields: map[string]string{field: fmt.Sprintf("must be a JSON %s, got %s", jsonKind(te.Type.Kind().String()), te.Value)}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apiError{Status: http.StatusBadRequest, Code: "unknown_field", Message: fmt.Sprintf("unknown field %q", name),
			Fields: map[string]string{name: "unknown field"}}
	default:
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return echo.ErrStatusRequestEntityTooLarge
		}
		return badRequest("malformed_json", "", "malformed JSON: "+err.Error())
	}
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	default:
		return "object"
	}
}

// parseTime parses an RFC 3339 time that must carry a zone (Z or ±hh:mm);
// the result is in UTC.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || len(s) > 64 {
		return time.Time{}, &apiError{Status: http.StatusBadRequest, Code: "invalid", Message: "bad time in " + field,
			Fields: map[string]string{field: "must be RFC 3339 with a zone, e.g. 2021-07-01T14:30:00Z or 2021-07-01T16:30:00+02:00"}}
	}
	return t.UTC(), nil
}

// etag formats a version as a strong entity tag.
func etag(kind string, version int64) string {
	return `"` + kind + strconv.FormatInt(version, 10) + `"`
}

// ifMatch returns the version a write is conditional on. Writes must say
// which version they change (RFC 9110 §13.1.1): without If-Match the answer
// is 428, so two organizers never overwrite each other silently. "*"
// means any current version (0). The header is read by the same parser as
// every precondition (etags): If-Match compares strongly, so weak tags and
// tags of another kind never match (-1, which the store answers with 412).
// The store compares one version atomically, so a list naming several
// versions of the resource is -1 too: send the one ETag you last read.
func ifMatch(c echo.Context, kind string) (int64, error) {
	h, _ := fieldList(c.Request().Header, "If-Match")
	if strings.TrimSpace(h) == "" {
		return 0, &apiError{Status: http.StatusPreconditionRequired, Code: "precondition_required",
			Message: "send If-Match with the ETag you last read (or * to overwrite whatever is stored)"}
	}
	tags, weak, star := etags(h)
	if star {
		return 0, nil
	}
	version := int64(-1)
	for i, t := range tags {
		v, ok := strings.CutPrefix(strings.Trim(t, `"`), kind)
		n, err := strconv.ParseInt(v, 10, 64)
		if weak[i] || !ok || err != nil || n <= 0 || n == version {
			continue
		}
		if version > 0 {
			return -1, nil // several versions
		}
		version = n
	}
	return version, nil
}
