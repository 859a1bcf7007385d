package ballot

import (
	"errors"

	"github.com/majlis/majlis/internal/violation"
)

// Code is the stable code of a ballot error, for API bodies and room error
// messages (snake_case, like the rest of the protocol).
type Code string

// Error is a ballot sentinel error with its stable code. Compare with
// errors.Is against the Err… values; CodeOf finds the code of a wrapped one.
type Error struct {
	Code Code
	msg  string
}

func (e *Error) Error() string { return "ballot: " + e.msg }

func newErr(code Code, msg string) *Error { return &Error{Code: code, msg: msg} }

// Sentinel errors. Every refusal leaves nothing recorded.
var (
	// ErrNotFound: no such ballot or roll.
	ErrNotFound = newErr("not_found", "not found")
	// ErrConflict: the version given does not match the stored one, or the
	// ID exists.
	ErrConflict = newErr("conflict", "version conflict")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = newErr("invalid", "invalid")
	// ErrUnavailable: the store could not be reached; for a cast, it is
	// unknown whether it was recorded: re-read the voters to find out.
	ErrUnavailable = newErr("unavailable", "store unavailable")

	// ErrNotEligible: the person acts for no A-status institution (a
	// B-status delegate, an observer, a participant, an interpreter), or
	// the institution does not vote.
	ErrNotEligible = newErr("not_eligible", "not eligible to vote")
	// ErrWrongInstitution: the person is a delegate, but not of the
	// institution named, nor of the holder of its proxy.
	ErrWrongInstitution = newErr("wrong_institution", "you do not act for this institution")
	// ErrNotPresent: the institution casting (or the proxy holder) is not
	// marked present in the roll.
	ErrNotPresent = newErr("not_present", "the institution is not present")
	// ErrAlreadyVoted: the institution has voted in this (secret) ballot.
	ErrAlreadyVoted = newErr("already_voted", "the institution has already voted")
	// ErrClosed: the ballot is closed (or not open yet) and takes no votes.
	ErrClosed = newErr("ballot_closed", "the ballot is not open")
	// ErrNotClosed: results and receipts exist only after the close.
	ErrNotClosed = newErr("ballot_not_closed", "the ballot is not closed yet")
	// ErrState: the ballot is not in the state the command needs (opening
	// an open ballot, editing an opened one).
	ErrState = newErr("invalid_state", "the ballot is not in the right state")
	// ErrNoQuorum: the quorum is not met, so the ballot cannot open.
	ErrNoQuorum = newErr("no_quorum", "no quorum")
	// ErrProxyOverCap: the holder already holds as many proxies as allowed.
	ErrProxyOverCap = newErr("proxy_over_cap", "the holder holds the maximum number of proxies")
	// ErrProxyNotA: a proxy is given by or to an institution without A status.
	ErrProxyNotA = newErr("proxy_not_a_status", "proxies are given only by and to A-status institutions")
	// ErrProxyChain: a proxy to an institution that gave its own away, or
	// from one that holds proxies, or to itself, or a second one.
	ErrProxyChain = newErr("proxy_chain", "a proxy cannot be passed on, doubled or given to oneself")
	// ErrForgedReceipt: no ballot paper has this receipt.
	ErrForgedReceipt = newErr("forged_receipt", "no ballot paper has this receipt")
)

// CodeOf returns the stable code of err, or "" when err is no ballot error.
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
// (e.g. "rules.majority", "candidates[2].name.fr"). It matches ErrInvalid
// with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string { return violation.Message("ballot", e.Fields) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Violations returns the fields that break a rule (violation.Error).
func (e *ValidationError) Violations() map[string]string { return e.Fields }

var _ violation.Error = (*ValidationError)(nil)

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
