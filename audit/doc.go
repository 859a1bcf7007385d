// Package audit owns the audit log: who created, changed, published,
// cancelled, deleted or released which event or agenda, who invited whom
// or revoked an invitation, and who added, changed or removed a regional
// calendar source, and when.
//
// The log is bounded: a Store keeps the newest entries only (Keep by
// default; the oldest go first). Entries name organizers, events, sources
// and invited people, never a token, a password or a sign-in link.
// Whoever reads the log sees only the entries about events and sources it
// may see (see Entry.Event and Entry.Source; the server applies the rule).
//
// The package holds types only; its Store is implemented in package store
// and must be goroutine-safe.
package audit
