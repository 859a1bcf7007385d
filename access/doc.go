// Package access owns who may do what: organizers, their API tokens
// (named, several each) and their organizer-app sign-in (server-side
// sessions with idle and absolute timeouts, CSRF tokens bound to them,
// single-use sign-in links, passkeys kept opaque for the WebAuthn
// library of package server),
// invitations and their join tokens (only a hash of a token is ever
// stored), the rule deciding which events a caller may learn exist
// (Principal, an agenda.Viewer), and which region's sources and series an
// organizer manages (head office: all).
//
// Concurrency: all functions are goroutine-safe; Store implementations must be too.
package access
