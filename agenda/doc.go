// Package agenda owns events, their agendas and agenda items, series with
// standing items, the timing rules that bind them, and live progress.
//
// It declares the Store it consumes; implementations live in package store.
// It imports neither echo nor go-redis.
//
// Writes made for a caller say so with For(viewer): the rules between a
// meeting and its side events then consult only the events the viewer may
// see, and no error names, times or counts another (see UpdateEvent).
//
// An agenda is a working draft that organizers edit and the releases
// published of it (Release, Service.Publish, Agenda.Published, Diff): the
// public, the feeds and the room see the newest release, and a release,
// not an edit, bumps the event's SEQUENCE. Releases are kept in the agenda
// document, so a release and its event's SEQUENCE are one write.
//
// Concurrency: values (Event, Agenda, Item) are plain data and not shared.
// Service is goroutine-safe as long as its Store is; concurrent writers are
// serialised by optimistic versions (ErrConflict), never by locks held here.
package agenda
