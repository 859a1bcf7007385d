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
// Concurrency: values (Event, Agenda, Item) are plain data and not shared.
// Service is goroutine-safe as long as its Store is; concurrent writers are
// serialised by optimistic versions (ErrConflict), never by locks held here.
package agenda
