// Package attendance owns who attended an event's session and for how
// long: the visits a room records (one per connection: who, from when to
// when, on which channels) and the report made of them, per person —
// first join, last leave, minutes present (the union of their visits, so
// that several tabs or reconnects count once) and the channels listened
// to — with its CSV export.
//
// A person is who stands behind a connection, never a token: a
// registrant (their registration ID), an invitation, a signed-in
// organizer, or an anonymous walk-in (a random name per connection:
// nothing ties two anonymous visits together). The name recorded is the
// one the room showed, so a pseudonym stays a pseudonym.
//
// # Recording across instances
//
// Each instance records the visits of its own connections only, and it
// alone writes them (Store.RecordVisits), so a visit has one writer and
// needs no lock across instances. A visit that never got its leave (its
// instance died) ends at the last beat its instance wrote for the event
// (Beat, every BeatEvery while it has visits open there): the report never
// counts a dead connection as present for ever. Everything is in the
// store, so the report survives restarts of any instance.
//
// # Privacy
//
// Store.ForgetVisits deletes one person's visits (an organizer deletes a
// registrant's data, or anyone's on request); Store.PurgeVisits deletes an
// event's, with the registrations' retention (RetentionDays after the
// event; default registration.DefaultRetentionDays). A visit updated after
// it was forgotten is not brought back: only an arrival creates a visit.
//
// It declares the Store it consumes; implementations live in package store
// (attendance/attendancetest is the conformance suite both pass). It
// imports neither echo nor go-redis.
//
// Concurrency: values are plain data and not shared; Report and WriteCSV
// are pure functions, safe from any goroutine.
package attendance
