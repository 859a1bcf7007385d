// Package audit owns the audit log: who created, changed, published,
// cancelled, deleted or released which event or agenda, who invited whom
// or revoked an invitation, who added, changed or removed a regional
// calendar source, and who changed the registry of member institutions
// (created, changed, accredited, removed, imported), and when.
//
// The log is bounded: a Store keeps the newest entries only (Keep by
// default; the oldest go first). Entries name organizers, events, sources,
// institutions and invited people, never a token, a password or a sign-in
// link; a change to an institution names the fields changed, never who its
// delegates are. Whoever reads the log sees only the entries about events,
// sources and institutions it may see (see Entry.Event, Entry.Source and
// Entry.Institution; the server applies the rule); an import's entry is
// head office's.
//
// The package holds types only; its Store is implemented in package store
// and must be goroutine-safe.
package audit
