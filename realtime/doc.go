// Package realtime owns majlis's rooms: one room per session (event), the
// members connected to it over websockets, and what they share live —
// presence, chat, raised hands and the floor, the live agenda, reactions,
// and the host's moderation (mute, remove). The wire protocol is
// docs/protocol.md; its vocabulary is in protocol.go.
//
// # Shape
//
// A Node runs this instance's rooms. A room is one goroutine that owns its
// state, its roster and its local connections. A connection that has
// nothing to read has no goroutine: once its member joined (Node.Accept
// returns at once, so the HTTP handler that upgraded it ends), the
// process's poller (poll_linux.go: one epoll set for every connection)
// watches it, and starts a goroutine when the client sent something, which
// reads what came (frames are read by nextFrame: wsread.go) and ends. Each
// connection has a bounded send queue that the room fills. Node.Stats counts
// what the node does (deliveries, drops, closes, backend latency and
// errors: stats.go), for /metrics. Writing is done by one writer at a time: one of the node's few
// write workers (writers.go), which sends everything a client has queued
// in one write call without waiting, or, for a client whose socket is
// full, a writer goroutine of its own that runs until the queue is empty.
// An idle connection has no writer, and no timer: its worker asks it for
// a ping when one is due. The room never blocks on a
// connection: a connection whose queue is full is closed with
// CloseSlowConsumer. Nor does it wait for a webinar's vote or poll answer
// to be written: it hands the store write to a goroutine (room.offload,
// owned by the node's calls group, which Shutdown waits for) that posts
// the result back to the room.
//
// A Backend carries messages between the instances that serve a room and
// keeps what outlives a connection: the room's seq counter, its capped log,
// its roster and its state. Every change is published through the backend,
// which gives it the next seq and logs it atomically; each instance applies
// messages in seq order, refilling gaps from the log, so all instances hold
// the same state and every client sees the same messages in the same
// order. Changes that depend on the state (the floor, the agenda, the
// roster) are published conditionally on the seq the room last saw, and
// retried after catching up when another instance got there first. The
// in-process broker serves one process; the Redis one shares rooms across
// instances with the same room code.
//
// # Commands
//
// Each client command is one line of commandTable (commands.go): its
// type, the roles that may send it, whether it is ephemeral, and its
// handler, which takes the command's data in its own type. The command
// list, the permission check and the dispatch derive from it; handlers
// live by concern (chat.go, floor.go, agenda_live.go, moderation.go,
// booth.go). Adding a command is its line, its handler and its line in
// docs/protocol.md (a test checks the two lists agree).
//
// # Recovery
//
// A position is a seq and the epoch that names the log (Position). A
// client that reconnects with ?since=N&epoch=E gets a resume message and
// then exactly the logged messages after N addressed to it, once, in
// order, followed by live ones; when the log no longer reaches back to N,
// or is not the log E, it gets a fresh welcome instead. A log that was
// lost starts again with a new epoch; a room that sees another epoch (a
// delivery, a refused publish) or a log behind what it saw starts again
// from a fresh snapshot and welcomes every local client again.
//
// # Tests
//
// realtime/backendtest is the conformance suite of Backend, which both
// brokers run (with a real redis-server for the Redis one).
//
// # Concurrency
//
// Node methods are goroutine-safe. Backend implementations are
// goroutine-safe and their subscriber callbacks must not block. Nothing in
// a room blocks on a client; a room blocks only on its backend, each call
// bounded by a timeout. Attendance (attendance.go) never blocks a room
// either: rooms queue what their connections do for the Node's one
// recorder goroutine, which writes the visits to the store in batches (a
// full queue loses a mark, logged, rather than wait).
package realtime
