// Package access owns who may do what: organizers and their API tokens,
// invitations and their join tokens (only a hash of a token is ever
// stored), the rule deciding which events a caller may learn exist
// (Principal, an agenda.Viewer), and which region's sources and series an
// organizer manages (head office: all).
//
// Concurrency: all functions are goroutine-safe; Store implementations must be too.
package access
