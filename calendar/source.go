package calendar

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
)

// SourceKind is how a source's calendar is reached.
type SourceKind string

// Source kinds. An ICS source is pulled only; a CalDAV source is pulled
// and pushed to (two-way).
const (
	SourceICS    SourceKind = "ics"
	SourceCalDAV SourceKind = "caldav"
)

// SourceKinds lists every source kind.
var SourceKinds = []SourceKind{SourceICS, SourceCalDAV}

// Source is one regional network's calendar that majlis keeps in step
// with: an ICS URL polled over HTTP(S), or a CalDAV collection.
type Source struct {
	ID     string        `json:"id"`
	Region agenda.Region `json:"region"`
	// Name labels the source and its events ("ENNHRI calendar").
	Name string     `json:"name"`
	Kind SourceKind `json:"kind"`
	// URL is the ICS address, or the CalDAV collection's URL.
	URL string `json:"url"`
	// Username and Password are CalDAV basic-auth credentials. The API
	// takes the password but never returns it, and it is never logged
	// (LogValue).
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// Language is the language of texts that do not say theirs.
	// Default "en".
	Language string `json:"language,omitempty"`
	// Paused stops the scheduled fetches (and pushes) until it is
	// cleared; an organizer's "sync now" still runs.
	Paused bool `json:"paused,omitempty"`
	// Version is the store's optimistic-concurrency counter.
	Version int64 `json:"-"`
}

// LogValue keeps the credentials out of logs.
func (s Source) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", s.ID), slog.String("kind", string(s.Kind)), slog.String("url", redactURL(s.URL)))
}

// redactURL is an address as majlis shows and logs it: without
// credentials, query or fragment, which may hold a private feed's token.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

// Limits of a source's fields.
const (
	MaxSourceName = 200
	MaxSourceURL  = 2000
	MaxCredential = 500
)

// Validate checks s's fields and returns the offending ones (JSON names),
// wrapped in an *agenda.ValidationError, or nil.
func (s Source) Validate() error {
	f := map[string]string{}
	if !agenda.ValidID(s.ID) {
		f["id"] = "must be 3-64 lowercase letters, digits or hyphens"
	}
	if !s.Region.Valid() {
		f["region"] = "must be one of global, africa, americas, asia-pacific, europe"
	}
	if strings.TrimSpace(s.Name) == "" {
		f["name"] = fmt.Sprintf("required, at most %d characters", MaxSourceName)
	} else if why := usertext.Problem(s.Name, usertext.Line, MaxSourceName); why != "" {
		f["name"] = why
	}
	if !slices.Contains(SourceKinds, s.Kind) {
		f["kind"] = "must be ics or caldav"
	}
	u, err := url.Parse(s.URL)
	switch {
	case len(s.URL) > MaxSourceURL:
		f["url"] = fmt.Sprintf("at most %d characters", MaxSourceURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		f["url"] = "must be an http or https URL"
	case u.User != nil:
		f["url"] = "must not hold credentials: use username and password"
	}
	if len(s.Username) > MaxCredential || hasCtl(s.Username) || strings.Contains(s.Username, ":") {
		f["username"] = fmt.Sprintf("at most %d characters, no colon or control characters", MaxCredential)
	}
	if len(s.Password) > MaxCredential || hasCtl(s.Password) {
		f["password"] = fmt.Sprintf("at most %d characters, no control characters", MaxCredential)
	}
	if s.Kind == SourceICS && (s.Username != "" || s.Password != "") {
		f["username"] = "credentials are for caldav sources only"
	}
	if s.Language != "" && !slices.Contains(agenda.Languages, s.Language) {
		f["language"] = "an ISO 639-1 code (ar, en, fr, es)"
	}
	if len(f) > 0 {
		return &agenda.ValidationError{Fields: f}
	}
	return nil
}

// State is where a source's synchronisation stands.
type State string

// States of a source.
const (
	StateNew     State = "new"
	StateSyncing State = "syncing"
	StateOK      State = "ok"
	StateError   State = "error"
	// StateNeedsConfirmation: the last fetch would have cancelled more
	// events than Config.MassCancel allows; nothing was cancelled until an
	// organizer confirms (Syncer.Confirm).
	StateNeedsConfirmation State = "needs_confirmation"
)

// States lists every state of a source.
var States = []State{StateNew, StateSyncing, StateOK, StateError, StateNeedsConfirmation}

// Result is the outcome of one fetch.
type Result string

// Fetch results.
const (
	ResultChanged     Result = "changed"
	ResultNotModified Result = "not_modified"
	ResultError       Result = "error"
)

// Results lists every fetch result.
var Results = []Result{ResultChanged, ResultNotModified, ResultError}

// Progress counts the events of a fetch being applied.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Status is a source's synchronisation state, written by the syncer.
type Status struct {
	State     State     `json:"state"`
	LastFetch time.Time `json:"last_fetch,omitzero"`
	Result    Result    `json:"result,omitempty"`
	// Added, Updated and Cancelled count what the last fetch changed.
	Added     int       `json:"added"`
	Updated   int       `json:"updated"`
	Cancelled int       `json:"cancelled"`
	NextFetch time.Time `json:"next_fetch,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Failures counts fetches failed in a row (the back-off grows with it).
	Failures int `json:"failures"`
	// Progress is set while a fetch is being applied.
	Progress *Progress `json:"progress,omitempty"`
	// Warnings are what the last parse skipped or guessed.
	Warnings []string `json:"warnings,omitempty"`
	// PendingCancel are the event IDs a confirmation would cancel.
	PendingCancel []string `json:"pending_cancel,omitempty"`
	// Pushed counts the events the last push wrote or deleted remotely.
	Pushed int `json:"pushed"`
	// ETag and LastModified are the validators of the last good response
	// (conditional GET); Refresh the REFRESH-INTERVAL it gave.
	ETag         string        `json:"etag,omitempty"`
	LastModified string        `json:"last_modified,omitempty"`
	Refresh      time.Duration `json:"refresh,omitempty"`
}

// Push records one alliance event written to a CalDAV source: where, at
// which ETag, and which SEQUENCE, so that the next push knows whether to
// write again and whether the remote copy was changed by someone else.
type Push struct {
	EventID  string `json:"event_id"`
	Href     string `json:"href"`
	ETag     string `json:"etag"`
	Sequence int    `json:"sequence"`
	// Parent is the parent event the copy names (RELATED-TO); empty when
	// none. The copy is written again when this must change, e.g. when
	// the parent stops being public.
	Parent string `json:"parent,omitempty"`
	// UIDDomain is the domain of the copy's UID. A copy keeps its UID for
	// life (CalDAV servers refuse a new UID at the same href, RFC 4791
	// §5.3.2.1); empty on copies written when UIDs followed the base URL,
	// whose domain is the base URL's host.
	UIDDomain string `json:"uid_domain,omitempty"`
	// Deleted: the event was removed from the remote calendar.
	Deleted bool `json:"deleted,omitempty"`
	// Conflict says why the last write was refused (the remote copy
	// changed since majlis wrote it); empty when none.
	Conflict   string    `json:"conflict,omitempty"`
	ConflictAt time.Time `json:"conflict_at,omitzero"`
}

// Store is what the syncer needs from storage: sources (versioned like
// every resource), their status, push records and a lease per source.
// Errors wrap agenda.ErrNotFound and agenda.ErrConflict.
type Store interface {
	// PutSource creates or replaces a source if its version equals
	// ifVersion (0: no precondition); it returns the stored source.
	PutSource(ctx context.Context, s Source, ifVersion int64) (Source, error)
	// GetSource returns a source or ErrNotFound.
	GetSource(ctx context.Context, id string) (Source, error)
	// ListSources returns every source ordered by ID.
	ListSources(ctx context.Context) ([]Source, error)
	// DeleteSource removes a source, its status and its push records.
	DeleteSource(ctx context.Context, id string, ifVersion int64) error
	// GetStatus returns a source's status, the zero Status when none.
	GetStatus(ctx context.Context, id string) (Status, error)
	// PutStatus replaces a source's status.
	PutStatus(ctx context.Context, id string, st Status) error
	// ListPushes returns a source's push records ordered by event ID.
	ListPushes(ctx context.Context, sourceID string) ([]Push, error)
	// PutPush creates or replaces the push record of p.EventID.
	PutPush(ctx context.Context, sourceID string, p Push) error
	// DeletePush removes a push record; a missing one is no error.
	DeletePush(ctx context.Context, sourceID, eventID string) error
	// Lease takes or renews the lease on a source for holder for ttl and
	// reports whether holder has it: of several instances only the holder
	// syncs the source.
	Lease(ctx context.Context, sourceID, holder string, ttl time.Duration) (bool, error)
}
