// Package broker implements realtime.Backend: Memory, in-process (with
// OpenLocal, written through to a bbolt room file), for a single
// instance; Redis, shared by the instances of a scale-out deployment.
// Both pass realtime/backendtest.
//
// Every room log has an epoch (realtime.Position): a log found missing is
// started again with a new random epoch and an empty log, and a publish
// from a position the log no longer reaches (another epoch, or a seq
// beyond the log's) is refused, so that no room or client reads a
// position of a lost log as one of the new.
//
// The Redis scripts are the files in lua/, each naming its KEYS and ARGV
// at the top, called with them in that order; lua/lib.lua, the functions
// they share, is put in front of each. The Redis client comes from
// internal/redisconn, as the store's does.
//
// # Concurrency
//
// Both backends are goroutine-safe. Memory calls subscribers under its
// lock, in seq order; Redis calls them from its one pub/sub receiver
// goroutine. Subscribers must not block.
package broker
