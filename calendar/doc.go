// Package calendar owns majlis's iCalendar feeds, clashes and fair slots,
// and the regional calendars' sync (each below). It turns agenda events
// into RFC 5545 calendars with the RFC 7986 extensions (NAME,
// REFRESH-INTERVAL), generates the VTIMEZONE components they refer to, and
// writes content lines folded and escaped so that Google Calendar, Outlook,
// Apple Calendar and Thunderbird accept them.
//
// The data structures are github.com/emersion/go-ical's (so the same
// *ical.Calendar can later be pushed to a CalDAV collection); the bytes
// are written by this package's Encoder, because go-ical's encoder neither
// folds lines nor orders properties, and we want exact control of both.
//
// # What a feed contains
//
// Feed.Encode emits one VCALENDAR (RFC 5545 §3.4, §3.6) with VERSION,
// PRODID, CALSCALE:GREGORIAN, METHOD:PUBLISH (RFC 5546 §3.2.1), NAME
// (RFC 7986 §5.1) and its de-facto twin X-WR-CALNAME in the feed language,
// REFRESH-INTERVAL (RFC 7986 §5.7) and X-PUBLISHED-TTL (what Outlook reads).
// Each published or cancelled event is a VEVENT (RFC 5545 §3.6.1) with a
// stable UID "<event-id>@majlis" (§3.8.4.7; Feed.UIDDomain), DTSTAMP = LAST-MODIFIED =
// the event's Updated time (§3.8.7.2, §3.8.7.3) — never the clock, so equal
// input gives byte-identical output and HTTP validators stay stable —,
// SEQUENCE (§3.8.7.4), STATUS (§3.8.1.11), CLASS (§3.8.1.3), CATEGORIES
// (§3.8.1.2), URL (§3.8.4.6), LOCATION (§3.8.1.7) and RELATED-TO;RELTYPE=
// PARENT (§3.8.4.5) from a side event to its meeting when the feed's
// readers may see the meeting (Feed.Parents). Drafts are never
// emitted, and neither is any event more restricted than Feed.Audience, so
// a feed built with defaults cannot leak a members-only or confidential
// event. Speakers are left out of descriptions: feeds are copied into
// third-party calendars beyond our control, and some speakers are human
// rights defenders at risk.
//
// # Time zones
//
// Decision: an event with a zone is written as local time with a TZID
// (RFC 5545 §3.3.5 form #3) naming its IANA zone, and the feed carries a
// VTIMEZONE (§3.6.5) for every TZID it uses, generated from Go's zoneinfo
// (time.LoadLocation) for the span from a year before the zone's earliest
// event to a year after its latest. Events in UTC (or with no or an unknown
// zone) use the UTC "Z" form and need no VTIMEZONE. So does an event that
// starts or ends at a local time naming two instants (the hour repeated
// when daylight saving time ends: 02:30 on 2027-10-31 in Brussels is 00:30Z
// and 01:30Z) or none: RFC 5545 lets readers pick either, and they pick the
// first, so only UTC reads back as the instant we meant.
//
// Why, client by client:
//   - Google Calendar, Apple Calendar and Thunderbird recognise IANA TZIDs
//     and use their own time-zone database for them, falling back to the
//     VTIMEZONE only for names they do not know. A TZID keeps the event's
//     home zone visible ("16:30 Central European Summer Time") instead of
//     degrading it to a bare UTC instant.
//   - Outlook (desktop and Exchange) maps every VTIMEZONE onto a Windows
//     zone with one annual DST rule, built from the STANDARD and DAYLIGHT
//     sub-components with the latest DTSTART (MS-OXCICAL §2.1.3.1.1.19.2,
//     MS-STANOICAL §2.2.47), and needs RRULEs of the form
//     FREQ=YEARLY;BYMONTH=m;BYDAY=nDD to do so. A TZID with no VTIMEZONE is
//     read as the viewer's local time, an hour or more off.
//   - RFC 5545 §3.2.19 requires a VTIMEZONE for every TZID anyway.
//
// So each VTIMEZONE lists the zone's actual transitions in the span as
// explicit observances — one STANDARD or DAYLIGHT per transition, with
// DTSTART in the local time before it (§3.8.2.4) — which is simple and
// always right, also for zones whose rules changed (America/Mexico_City has
// had no DST since October 2022, so July 2021 is UTC-5 and July 2026 is
// UTC-6). When the span's most recent transitions follow a regular annual
// "n-th weekday of the month" rule that predicts every transition up to the
// span's end, that tail is written instead as one STANDARD and one DAYLIGHT
// with an RRULE: shorter, and it is exactly what Outlook's approximation
// needs to be right for current rules. A zone with no transition in the
// span gets a single STANDARD with its fixed offset. Outlook's single rule
// cannot represent a zone whose rules changed inside the span; Outlook
// users may see such events (Mexico City before 2023 next to later ones)
// an hour off — a limitation of Outlook that no VTIMEZONE can avoid.
//
// # Text
//
// TEXT values are escaped per RFC 5545 §3.3.11 (backslash, semicolon,
// comma, newline as \n). Before that, user text is cleaned by the one rule
// of internal/usertext, in feeds and in imports alike: CR LF and lone CR
// become newlines (as do NEL, U+2028 and U+2029), every other control
// character except TAB and the bidi overrides and isolates are removed,
// invalid UTF-8 becomes U+FFFD, and the text is put in NFC, so user text can
// never end a content line, inject a property or display reordered in a
// subscriber's calendar. Imported titles and locations are one line, cut
// by characters to majlis's limits. The Encoder also
// refuses any value that still contains a control character. Lines are
// folded (§3.1) at 75 octets with CRLF and one space, never inside a UTF-8
// sequence; Unfold reverses it.
//
// # Clashes and fair slots
//
// Clashes (clash.go) finds, for one event, the candidate events that
// overlap it for the same audience: the same region, or either is global.
// Cancelled events, the event itself and its parent or children are not
// clashes; drafts are. The caller passes what its principal may see, and
// a clash with anything else is dropped without a trace.
//
// Planner (slots.go) ranks the start times of a day for several regions.
// A region is judged in its reference zone (agenda.Service.Zone) on the
// local date(s) the slot falls on, so offsets that change between dates
// (Sydney and Europe move in opposite directions in April and October;
// Mexico City stopped in October 2022) come out right. Ranking is max-min
// fair on Fit.Stretch — how far the worst-off region is asked beyond its
// working hours — then total minutes outside, then clashes, then time.
// A Planner is immutable and goroutine-safe; Clashes is a pure function.
//
// # Regional sync
//
// The four regional networks keep their own calendars; a Source is one of
// them: an ICS URL (pulled) or a CalDAV collection (RFC 4791; pulled and
// pushed to). One Syncer per process (Run) fetches each source when due:
//
//   - ICS over HTTP with If-None-Match / If-Modified-Since (RFC 9110
//     §13.1), a body limit (SyncConfig.MaxBytes) and the client's timeout;
//     the next fetch follows the calendar's REFRESH-INTERVAL (RFC 7986
//     §5.7) or X-PUBLISHED-TTL, clamped to [MinRefresh, MaxRefresh]; a
//     failure backs off exponentially with ±20% jitter.
//   - Parse reads the calendar (RFC 5545): recurring events are expanded
//     inside a window around now (RRULE, RDATE, EXDATE §3.8.5, in the
//     event's zone so that 09:00 stays 09:00 across daylight-saving
//     changes), RECURRENCE-ID overrides (§3.8.4.4) replace their instance,
//     TZIDs are IANA names, Windows names (mapped) or else the region's
//     reference zone (with a warning), floating times are read in the
//     region's zone, DATE values make all-day events. CLASS:CONFIDENTIAL
//     events are never imported: majlis cannot know who may see them.
//   - Imported events go through agenda.Service.Import: stored as the
//     source region's events of kind "regional", read-only in majlis, with
//     an Origin label (source, UID, recurrence ID). Their IDs derive from
//     source + UID + recurrence ID (agenda.ImportedID), so a changed event
//     updates in place (SEQUENCE bumped) and an event gone from the source
//     is cancelled (STATUS:CANCELLED in feeds).
//   - A fetch that fails — network, timeout, HTTP error, malformed or
//     oversized calendar — changes no event: the last good copy stays, the
//     error is on the source's Status. A fetch that would cancel more than
//     MassCancel of the source's events (and more than MassCancelMin) —
//     typically an empty calendar served by mistake — cancels nothing: the
//     source waits in state needs_confirmation until an organizer confirms
//     (Syncer.Confirm).
//   - CalDAV sources are pulled with one calendar-query REPORT, leaving out
//     majlis's own objects (by href and by UID), and pushed to: every public
//     alliance event of the region or of the whole alliance, never an
//     imported one (no loops), never a members-only or confidential one;
//     a copy whose event no longer qualifies (members-only, confidential,
//     draft, another region) is withdrawn, and a copy names its meeting
//     only while the meeting is public. Writes are conditional (If-None-Match: * to create, If-Match with the
//     ETag majlis last wrote to update or delete): a copy edited remotely
//     is never overwritten; the conflict is recorded on its Push record.
//
// Feeds keep majlis's own UIDs for imported events (<id>@majlis): they
// must stay unique within majlis's feeds, and a subscriber who also
// subscribes to the network's calendar would otherwise see two events
// with one UID from two publishers. The source is named in the
// description ("Source: …") for people.
//
// Sources, their Status, Push records and a per-source lease (so that of
// several instances on one Redis only one syncs a source at a time) are
// kept through Store, implemented in package store.
//
// # Concurrency
//
// Syncer's methods are goroutine-safe; syncs run one at a time per
// Syncer. Feed is a plain value; Feed.Encode and Feed.Calendar read it and do not
// modify it, so any number of goroutines may encode the same Feed as long
// as nobody mutates its slices and maps meanwhile. An Encoder is not
// goroutine-safe. Nothing here blocks or does I/O other than writing to the
// io.Writer given to NewEncoder and reading the system's zoneinfo.
package calendar
