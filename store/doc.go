// Package store owns the storage implementations of the interfaces that
// the domain packages declare (agenda.Store, access.Store): Bolt, an
// embedded bbolt file for a single instance, and later Redis for
// scale-out. Both must pass the conformance suite in store/storetest.
//
// Concurrency: every method is goroutine-safe. Each write is one
// transaction, fsynced before it returns; reads see a consistent snapshot.
// Returned values are copies: callers may change them freely.
package store
