// Package access owns who may do what: organizers and their API tokens,
// invitations and their join tokens (only a hash of a token is ever
// stored), and the rule deciding which events a caller may learn exist.
//
// Concurrency: all functions are goroutine-safe; Store implementations must be too.
package access
