// Package radicaletest starts a real CalDAV server for tests: Debian's
// radicale, on a free loopback port, with its storage in the test's temp
// folder and basic authentication against a plain htpasswd file, and
// stops it when the test ends.
//
// The radicale command is $MAJLIS_RADICALE, or /usr/bin/radicale, or
// radicale on PATH (Debian's, which runs on /usr/bin/python3 whatever
// python3 comes first on PATH). When none is found, Start fails the test
// with a message saying how to install it; it never skips.
//
// Concurrency: a Server's methods are goroutine-safe; each test starts
// its own server.
package radicaletest
