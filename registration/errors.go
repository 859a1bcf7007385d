package registration

import (
	"errors"

	"github.com/majlis/majlis/internal/violation"
)

// Code is the stable code of a registration error, for API bodies and the
// registrant's page (snake_case, like the rest of the protocol).
type Code string

// Error is a registration sentinel error with its stable code. Compare
// with errors.Is against the Err… values; CodeOf finds the code of a
// wrapped one.
type Error struct {
	Code Code
	msg  string
}

// Error returns the message, prefixed with the package name.
func (e *Error) Error() string { return "registration: " + e.msg }

func newErr(code Code, msg string) *Error { return &Error{Code: code, msg: msg} }

// Sentinel errors. Every refusal leaves nothing stored.
var (
	// ErrNotFound: no such form or registration.
	ErrNotFound = newErr("not_found", "not found")
	// ErrConflict: the version given does not match the stored one, or the
	// ID exists.
	ErrConflict = newErr("conflict", "version conflict")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = newErr("invalid", "invalid")
	// ErrUnavailable: the store could not be reached; for a registration
	// it is unknown whether it was recorded.
	ErrUnavailable = newErr("unavailable", "store unavailable")

	// ErrClosed: the event takes no registrations (the form is off).
	ErrClosed = newErr("registration_closed", "registration is closed")
	// ErrDeadline: the registration deadline has passed.
	ErrDeadline = newErr("registration_deadline", "the registration deadline has passed")
	// ErrDuplicate: this email address is already registered for the
	// event (and that registration is not cancelled).
	ErrDuplicate = newErr("duplicate_registration", "this email address is already registered")
	// ErrForgedToken: no registration has this personal link. Malformed,
	// unknown and forgotten tokens all give this one error, so that a
	// guess learns nothing.
	ErrForgedToken = newErr("forged_token", "no registration has this link")
	// ErrCancelled: the registration behind this link was cancelled; the
	// link no longer works.
	ErrCancelled = newErr("registration_cancelled", "this registration was cancelled")
	// ErrState: the registration is not in a state the command applies to
	// (approving a declined one, declining a cancelled one).
	ErrState = newErr("invalid_state", "the registration is not in the right state")
)

// CodeOf returns the stable code of err, or "" when err is no
// registration error.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ErrInvalid.Code
	}
	return ""
}

// ValidationError lists the fields that break a rule, keyed by JSON path
// (e.g. "questions[2].label.fr", "answers.diet"). It matches ErrInvalid
// with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

// Error lists the fields and why, sorted by field.
func (e *ValidationError) Error() string { return violation.Message("registration", e.Fields) }

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
