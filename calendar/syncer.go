package calendar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/randid"
	"github.com/majlis/majlis/internal/usertext"
)

// SyncConfig tunes a Syncer. Zero fields get the defaults stated.
type SyncConfig struct {
	// Client makes every request to sources. Default: an http.Client
	// with a 30 s timeout.
	Client *http.Client
	// MaxBytes bounds one fetched calendar. Default 10 MiB.
	MaxBytes int64
	// DefaultRefresh is how often a source that names no REFRESH-INTERVAL
	// is fetched. Default 1 h.
	DefaultRefresh time.Duration
	// MinRefresh and MaxRefresh clamp a source's REFRESH-INTERVAL
	// (RFC 7986 §5.7). Defaults 15 min and 24 h.
	MinRefresh, MaxRefresh time.Duration
	// BaseBackoff is the wait after a first failed fetch; it doubles with
	// each failure in a row, up to MaxBackoff, with ±20% jitter. Defaults
	// 1 min and 6 h.
	BaseBackoff, MaxBackoff time.Duration
	// Past and Future bound the window of imported events and instances
	// of recurring ones, around now. Defaults 30 days and 400 days.
	Past, Future time.Duration
	// MassCancel is the share of a source's events (in the window) that
	// one fetch may cancel without an organizer's confirmation, when more
	// than MassCancelMin would be cancelled. Defaults 0.5 and 10.
	MassCancel    float64
	MassCancelMin int
	// BaseURL is majlis's public origin: pushed events link to it. Events
	// whose UID ends in "@" and its host are majlis's own as written before
	// UIDs stopped depending on it, and are not pulled back. Default none.
	BaseURL string
	// UIDDomain is the domain of pushed events' UIDs (Feed.UIDDomain);
	// events with such UIDs are not pulled back. Default
	// DefaultUIDDomain.
	UIDDomain string
	// Holder names this instance in source leases. Default: random.
	Holder string
	// LeaseTTL is how long a lease lasts unless renewed. Default 5 min.
	LeaseTTL time.Duration
	// Tick is how often Run looks for sources due. Default 15 s.
	Tick time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives one line per failed fetch. Default slog.Default().
	Logger *slog.Logger
}

// Syncer keeps sources and majlis in step: it fetches each source when
// due, imports its events through agenda.Service.Import, and pushes
// alliance events to CalDAV sources.
//
// Concurrency: methods are goroutine-safe; syncs of one Syncer run one at
// a time (a fetch is bounded by Client's timeout). Across instances, a
// lease in the Store lets one instance at a time sync a given source.
type Syncer struct {
	cfg    SyncConfig
	store  Store
	agenda *agenda.Service
	mu     sync.Mutex // serialises syncs
	kick   chan struct{}
	// results counts the syncs recorded on a source, by kind and result
	// (Sync counts them; SyncStats reads them).
	// The maps are made by NewSyncer and never change.
	results map[SourceKind]map[Result]*atomic.Uint64
}

// SyncStats counts, per source kind and result, the syncs recorded since
// the Syncer started ("ics" → "changed" → 12). A sync that could not be
// recorded (the store failed) is not counted. Goroutine-safe.
func (s *Syncer) SyncStats() map[SourceKind]map[Result]uint64 {
	m := map[SourceKind]map[Result]uint64{}
	for k, byResult := range s.results {
		m[k] = map[Result]uint64{}
		for r, n := range byResult {
			m[k][r] = n.Load()
		}
	}
	return m
}

// NewSyncer returns a Syncer over st and svc.
func NewSyncer(cfg SyncConfig, st Store, svc *agenda.Service) *Syncer {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DefaultRefresh, time.Hour)
	def(&cfg.MinRefresh, 15*time.Minute)
	def(&cfg.MaxRefresh, 24*time.Hour)
	def(&cfg.BaseBackoff, time.Minute)
	def(&cfg.MaxBackoff, 6*time.Hour)
	def(&cfg.Past, 30*24*time.Hour)
	def(&cfg.Future, 400*24*time.Hour)
	def(&cfg.LeaseTTL, 5*time.Minute)
	def(&cfg.Tick, 15*time.Second)
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 10 << 20
	}
	if cfg.MassCancel <= 0 {
		cfg.MassCancel = 0.5
	}
	if cfg.MassCancelMin <= 0 {
		cfg.MassCancelMin = 10
	}
	if cfg.Holder == "" {
		cfg.Holder = randid.New("", randid.IDBytes)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	results := map[SourceKind]map[Result]*atomic.Uint64{}
	for _, k := range SourceKinds {
		results[k] = map[Result]*atomic.Uint64{}
		for _, r := range Results {
			results[k][r] = new(atomic.Uint64)
		}
	}
	return &Syncer{cfg: cfg, store: st, agenda: svc, kick: make(chan struct{}, 1), results: results}
}

// Run syncs every source when it is due until ctx is done. It is the one
// supervising goroutine of a process; its caller owns it and waits for it
// to return. A failed sync is recorded on its source, never fatal.
func (s *Syncer) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		s.SyncDue(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Store returns the store of sources the Syncer works on.
func (s *Syncer) Store() Store { return s.store }

// Kick makes Run look for due sources now (after an API change).
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// SyncDue syncs every source whose next fetch is due (Run calls it).
func (s *Syncer) SyncDue(ctx context.Context) {
	srcs, err := s.store.ListSources(ctx)
	if err != nil {
		s.cfg.Logger.Warn("calendar: list sources", "err", err)
		return
	}
	for _, src := range srcs {
		if ctx.Err() != nil {
			return
		}
		st, err := s.store.GetStatus(ctx, src.ID)
		if err != nil || src.Paused || st.NextFetch.After(s.cfg.Now()) {
			continue
		}
		if _, err := s.Sync(ctx, src.ID); err != nil && ctx.Err() == nil && !errors.Is(err, ErrBusy) {
			s.cfg.Logger.Warn("calendar: sync", "source", src, "err", err)
		}
	}
}

// ErrBusy reports a source another instance is syncing.
var ErrBusy = errors.New("calendar: source is being synced by another instance")

// Sync fetches source id now, applies what changed, pushes to a CalDAV
// source, and returns the new status. A fetch that fails (network, HTTP
// error, malformed or oversized calendar) changes no event: the error is
// recorded on the status and the source is retried after a back-off; the
// returned error is nil then, as the failure belongs to the source. Sync
// returns an error only when the store fails or the source is missing.
func (s *Syncer) Sync(ctx context.Context, id string) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.store.GetSource(ctx, id)
	if err != nil {
		return Status{}, err
	}
	ok, err := s.store.Lease(ctx, id, s.cfg.Holder, s.cfg.LeaseTTL)
	if err != nil {
		return Status{}, err
	}
	if !ok {
		return Status{}, ErrBusy
	}
	st, err := s.store.GetStatus(ctx, id)
	if err != nil {
		return Status{}, err
	}
	now := s.cfg.Now()
	st.LastFetch = now
	data, validators, err := s.fetch(ctx, src, st)
	if err == nil && data == nil {
		st.Result, st.LastError, st.Failures = ResultNotModified, "", 0
		st.Added, st.Updated, st.Cancelled = 0, 0, 0
		if st.State != StateNeedsConfirmation {
			st.State = StateOK
		}
		st.NextFetch = now.Add(s.refresh(st.Refresh))
	} else if err == nil {
		err = s.apply(ctx, src, &st, data, validators)
	}
	if err != nil {
		if errors.Is(err, errStore) {
			return st, err
		}
		st.Added, st.Updated, st.Cancelled = 0, 0, 0 // this fetch changed nothing
		s.failed(&st, err)
	}
	if src.Kind == SourceCalDAV {
		if perr := s.push(ctx, src, &st); perr != nil {
			if errors.Is(perr, errStore) {
				return st, perr
			}
			s.failed(&st, perr)
		}
	}
	if err := s.store.PutStatus(ctx, id, st); err != nil {
		return st, err
	}
	if n := s.results[src.Kind][st.Result]; n != nil {
		n.Add(1)
	}
	return st, nil
}

// errStore marks errors of the store, which Sync returns instead of
// recording them on the source.
var errStore = errors.New("calendar: store")

func storeErr(err error) error { return fmt.Errorf("%w: %w", errStore, err) }

// failed records a failed fetch or push and schedules the retry.
func (s *Syncer) failed(st *Status, err error) {
	st.Failures++
	st.State, st.Result, st.LastError, st.Progress = StateError, ResultError, err.Error(), nil
	st.NextFetch = s.cfg.Now().Add(s.backoff(st.Failures))
}

// backoff is BaseBackoff·2^(failures-1), at most MaxBackoff, ±20% jitter.
func (s *Syncer) backoff(failures int) time.Duration {
	d := s.cfg.BaseBackoff
	for i := 1; i < failures && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

// refresh clamps a source's REFRESH-INTERVAL.
func (s *Syncer) refresh(d time.Duration) time.Duration {
	if d <= 0 {
		d = s.cfg.DefaultRefresh
	}
	return min(max(d, s.cfg.MinRefresh), s.cfg.MaxRefresh)
}

// validators are a response's ETag and Last-Modified.
type validators struct{ etag, lastModified string }

// fetch returns the source's calendar, or nil data when it has not
// changed since st's validators (HTTP 304).
func (s *Syncer) fetch(ctx context.Context, src Source, st Status) ([]byte, validators, error) {
	if src.Kind == SourceCalDAV {
		data, err := s.pullCalDAV(ctx, src)
		return data, validators{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, validators{}, fmt.Errorf("calendar: fetch: %w", err)
	}
	req.Header.Set("Accept", "text/calendar")
	req.Header.Set("User-Agent", "majlis calendar sync")
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, validators{}, fmt.Errorf("calendar: fetch %s: %w", redactURL(src.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, validators{}, nil
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, validators{}, fmt.Errorf("calendar: fetch %s: HTTP %s", redactURL(src.URL), resp.Status)
	}
	data, err := readLimited(resp.Body, s.cfg.MaxBytes)
	if err != nil {
		return nil, validators{}, err
	}
	return data, validators{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
}

// readLimited reads at most max bytes; more is ErrTooLarge.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("calendar: read: %w", unwrapURLError(err))
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("calendar: more than %d bytes: %w", max, ErrTooLarge)
	}
	return data, nil
}

// unwrapURLError keeps an error message free of the URL, which may hold
// a private feed's token in its query: net/http's *url.Error names it.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// window is the span of imported events around now.
func (s *Syncer) window() (time.Time, time.Time) {
	now := s.cfg.Now()
	return now.Add(-s.cfg.Past), now.Add(s.cfg.Future)
}

// progressEvery is how many applied events separate two progress writes.
const progressEvery = 50

// apply imports a fetched calendar: adds and updates its events, cancels
// the source's events gone from it (unless that would be a mass
// cancellation), and records the outcome on st.
func (s *Syncer) apply(ctx context.Context, src Source, st *Status, data []byte, v validators) error {
	from, to := s.window()
	lang := src.Language
	if lang == "" {
		lang = "en"
	}
	parsed, err := Parse(data, ParseConfig{Zone: s.agenda.Zone(src.Region), From: from, To: to,
		Lang: lang, Languages: s.agenda.Languages()})
	if err != nil {
		return err
	}
	existing, err := s.imported(ctx, src.ID, from, to)
	if err != nil {
		return storeErr(err)
	}
	st.Added, st.Updated, st.Cancelled, st.Warnings = 0, 0, 0, parsed.Warnings
	seen := make(map[string]bool, len(parsed.Events))
	total := len(parsed.Events)
	for i, e := range parsed.Events {
		if total > progressEvery && i%progressEvery == 0 {
			st.Progress = &Progress{Done: i, Total: total}
			st.State = StateSyncing
			if err := s.store.PutStatus(ctx, src.ID, *st); err != nil {
				return storeErr(err)
			}
		}
		e.Region = src.Region
		e.Origin.Source, e.Origin.Name, e.Origin.URL = src.ID, src.Name, redactURL(src.URL)
		if len(e.Title) == 0 {
			e.Title = agenda.Text{lang: usertext.Truncate(src.Name, agenda.MaxTitleRunes)}
		}
		ev, change, err := s.agenda.Import(ctx, e)
		var ve *agenda.ValidationError
		if errors.As(err, &ve) {
			warnStatus(st, "event %q skipped: %v", e.Origin.UID, ve)
			seen[agenda.ImportedID(src.ID, e.Origin.UID, e.Origin.RecurrenceID)] = true
			continue
		}
		if err != nil {
			return storeErr(err)
		}
		seen[ev.ID] = true
		switch change {
		case agenda.ImportAdded:
			st.Added++
		case agenda.ImportUpdated:
			st.Updated++
		}
	}
	st.Progress = nil
	var gone []string
	live := 0
	for _, e := range existing {
		if e.Status == agenda.StatusCancelled {
			continue
		}
		live++
		if !seen[e.ID] {
			gone = append(gone, e.ID)
		}
	}
	st.ETag, st.LastModified, st.Refresh = v.etag, v.lastModified, parsed.Refresh
	st.Result, st.LastError, st.Failures, st.PendingCancel = ResultChanged, "", 0, nil
	st.NextFetch = s.cfg.Now().Add(s.refresh(parsed.Refresh))
	if len(gone) > s.cfg.MassCancelMin && float64(len(gone)) > s.cfg.MassCancel*float64(live) {
		st.State, st.PendingCancel = StateNeedsConfirmation, gone
		st.LastError = fmt.Sprintf("calendar: the source no longer lists %d of its %d events; confirm to cancel them", len(gone), live)
		return nil
	}
	n, err := s.cancel(ctx, gone)
	st.Cancelled = n
	st.State = StateOK
	return err
}

// warnStatus adds a warning to st, up to maxWarnings.
func warnStatus(st *Status, format string, args ...any) {
	if len(st.Warnings) < maxWarnings {
		st.Warnings = append(st.Warnings, fmt.Sprintf(format, args...))
	}
}

// imported returns source id's imported events that overlap [from, to).
func (s *Syncer) imported(ctx context.Context, id string, from, to time.Time) ([]agenda.Event, error) {
	evs, err := s.agenda.Store().ListEvents(ctx, agenda.Filter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(evs, func(e agenda.Event) bool { return e.Origin == nil || e.Origin.Source != id }), nil
}

func (s *Syncer) cancel(ctx context.Context, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		changed, err := s.agenda.CancelImported(ctx, id)
		if errors.Is(err, agenda.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, storeErr(err)
		}
		if changed {
			n++
		}
	}
	return n, nil
}

// Confirm cancels the events a mass cancellation held back (state
// needs_confirmation) and returns the new status. ErrNotPending
// (wrapping agenda.ErrConflict) when there is nothing to confirm.
func (s *Syncer) Confirm(ctx context.Context, id string) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.store.GetSource(ctx, id); err != nil {
		return Status{}, err
	}
	st, err := s.store.GetStatus(ctx, id)
	if err != nil {
		return Status{}, err
	}
	if st.State != StateNeedsConfirmation {
		return st, fmt.Errorf("calendar: source %q has no cancellation to confirm: %w", id, agenda.ErrConflict)
	}
	n, err := s.cancel(ctx, st.PendingCancel)
	if err != nil {
		return st, err
	}
	st.Cancelled, st.PendingCancel, st.State, st.LastError = n, nil, StateOK, ""
	return st, s.store.PutStatus(ctx, id, st)
}

// Remove cancels every event imported from source id (after the source
// was deleted: its events are no longer kept in step) and reports how
// many it cancelled.
func (s *Syncer) Remove(ctx context.Context, id string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, err := s.imported(ctx, id, time.Time{}, time.Time{})
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return s.cancel(ctx, ids)
}
