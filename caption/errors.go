package caption

import (
	"errors"

	"github.com/majlis/majlis/internal/violation"
)

// Code is the stable code of a caption error, for API bodies (snake_case,
// like the rest of the protocol).
type Code string

// Error is a caption sentinel error with its stable code. Compare with
// errors.Is against the Err… values; CodeOf finds the code of a wrapped one.
type Error struct {
	Code Code
	msg  string
}

func (e *Error) Error() string { return "caption: " + e.msg }

func newErr(code Code, msg string) *Error { return &Error{Code: code, msg: msg} }

// Sentinel errors. Every refusal leaves nothing stored.
var (
	// ErrNotFound: no such caption token.
	ErrNotFound = newErr("not_found", "not found")
	// ErrConflict: a token with this ID or hash exists.
	ErrConflict = newErr("conflict", "conflict")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = newErr("invalid", "invalid")
	// ErrUnavailable: the store could not be reached; for an append, it is
	// unknown whether the line was stored: send it again with the same
	// seq (a duplicate is accepted and not stored twice).
	ErrUnavailable = newErr("unavailable", "store unavailable")
	// ErrUnauthorized: the caption token is missing, malformed, unknown,
	// expired, revoked, or for another event or channel. One error, one
	// message for every cause (HTTP 401).
	ErrUnauthorized = newErr("unauthorized", "invalid caption token")
	// ErrSeqOutOfOrder: seq is lower than one this token already sent on
	// this channel (HTTP 409). Nothing is stored.
	ErrSeqOutOfOrder = newErr("seq_out_of_order", "seq is lower than one already received from this token")
	// ErrRateLimited: the token sent more than its rate allows (HTTP 429).
	ErrRateLimited = newErr("rate_limited", "too many captions: slow down")
	// ErrTooManyTokens: the event has as many caption tokens as allowed
	// (revoked ones count until they are deleted with the event's
	// captions).
	ErrTooManyTokens = newErr("too_many_tokens", "the event has the maximum number of caption tokens")
)

// CodeOf returns the stable code of err, or "" when err is no caption error.
func CodeOf(err error) Code {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ErrInvalid.Code
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ValidationError lists the fields that break a rule, keyed by the name
// the caller used (a query parameter such as "seq", or "body"). It matches
// ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string { return violation.Message("caption", e.Fields) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// problems collects field errors; the first message per field wins.
type problems map[string]string

func (p problems) add(field, format string, args ...any) {
	violation.Add(p, field, format, args...)
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Fields: p}
}
