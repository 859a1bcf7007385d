// Package store owns the implementations of the storage interfaces that the
// domain packages declare (agenda.Store, access.Store), joined in Store:
// Bolt, an embedded bbolt file for a single instance, and Redis, shared by
// the instances of a scale-out deployment. Every implementation must pass
// the conformance suite in store/storetest.
//
// Contract shared by every implementation:
//   - Each write is one transaction, durable before it returns: an
//     acknowledged write survives the process being killed (kill -9).
//   - Versions start at 1 and grow by one per write; ifVersion 0 means no
//     precondition. A precondition that fails wraps agenda.ErrConflict, a
//     missing record agenda.ErrNotFound (access.ErrNotFound for organizers).
//   - Values are copied in and out: callers may change what they passed or
//     got back without touching the store.
//   - Error messages start with "store: ".
//
// Concurrency: every method is goroutine-safe and may be called while
// others run. Concurrent writers are ordered by the store; optimistic
// versions, not locks held by callers, resolve races. Reads see a
// consistent snapshot. No method blocks on anything but storage I/O; a
// cancelled context makes a call fail before it starts. Close waits for the
// write in progress; later calls fail.
//
// Redis keeps the contract as far as the Redis server does: a write is one
// Lua script (atomic), acknowledged once Redis has answered, and Redis
// must be configured to keep what it answered: AOF on with appendfsync
// always (fsynced before Redis replies). With everysec, acknowledged
// writes of up to about two seconds can be lost on a crash of the machine,
// and even on a kill of Redis while the disk is slow; see the README.
// OpenRedis refuses a Redis with the AOF off, an appendfsync other than
// always, or an allkeys-* eviction policy. A call made while Redis is unreachable fails within the
// configured timeouts with a "store: redis: " error, and the same store
// recovers on its own when Redis is back. A write that failed after its
// request was sent (a timeout) may still have been applied, whole; the
// store never retries a write, so none is applied twice.
//
// The Redis scripts are the files in lua/, each naming its KEYS and ARGV
// at the top; lua/lib.lua, the functions they share, is put in front of
// each (scripts_redis.go).
//
// Bolt holds an exclusive lock on its file: a second process opening it
// fails after two seconds with "store: database ... is locked by another
// process".
package store
