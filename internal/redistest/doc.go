// Package redistest starts real redis-server processes for tests: each on a
// free loopback port, with its own data folder and the AOF on, so that a
// test can stop it (SIGTERM), kill it (SIGKILL) and restart it on the same
// port and data, as a fault in production would.
//
// Tests never share a Redis with anything outside the test binary. Use
// Start for a server owned by one test, or a Shared for one server per test
// binary that many tests use under their own key prefixes (cheaper on a
// small machine).
//
// The redis-server binary is $MAJLIS_REDIS_SERVER, or redis-server on PATH.
// When it is missing, Start fails the test with a message saying how to
// install it; it never skips.
//
// Concurrency: a Server's methods are goroutine-safe, but stopping,
// killing and restarting are meant to be driven by one test; a Shared's Get
// may be called from parallel tests.
package redistest
