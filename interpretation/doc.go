// Package interpretation owns simultaneous interpretation in a session:
// the channels (the floor, and one per target language), the booths that
// produce them, who in each booth is live, the handover between booth
// partners, and the routing table that says what every channel carries and
// what every live interpreter hears (the floor, or another booth: relay).
//
// # Model
//
// A booth interprets into one target language, with usually two
// interpreters who take turns. Exactly one of them is live at any moment,
// or none: Booth holds the live interpreter in a single field, so two live
// interpreters cannot be represented at all. The other operations keep the
// remaining invariants: the live interpreter and the parties of a pending
// handover are in the booth; a live interpreter who disconnects leaves the
// booth to their partner.
//
// Handover is a request and an acceptance: either partner may ask (the
// live one offers, the passive one asks to take over), the other accepts
// or declines; a host may force it.
//
// Routing follows the floor language (the current agenda item's, changed
// live by a host): the booth of the floor language is idle and its
// listeners hear the floor; a live interpreter who understands the floor
// language takes it directly; one who does not takes the output of a booth
// that does (relay, one hop, preferring English, French, Spanish, Arabic as
// pivots in that order). A channel without a route falls back to the floor
// and comes with a warning for hosts.
//
// # Concurrency
//
// Everything here is plain values and pure functions: a Session is owned
// by its room's goroutine and is not safe for concurrent use. Nothing
// blocks or does I/O.
package interpretation
