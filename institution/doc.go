// Package institution owns the alliance's member institutions: their names
// in the working languages, country (ISO 3166-1 alpha-2), regional
// network, accreditation (A, B or none) with its dated history, and the
// people who may act for them (delegates and alternates, as opaque refs to
// persons or invitations). It also parses a registry CSV, previews what an
// import would change (row by row, with per-row errors naming row and
// column) and applies it.
//
// It declares the Store it consumes; implementations live in package store.
// It imports neither echo nor go-redis.
//
// Concurrency: values (Institution, Plan) are plain data and not shared.
// Service is goroutine-safe as long as its Store is; concurrent writers are
// serialised by optimistic versions (ErrConflict), never by locks held here.
// ParseCSV is a pure function, safe from any goroutine.
package institution
