package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/randid"
	"github.com/majlis/majlis/internal/redisconn"
)

// RedisConfig tunes the Redis store.
type RedisConfig struct {
	// Prefix namespaces every key, so that several deployments (or tests)
	// can share one Redis. Default "majlis:".
	Prefix string
	// DialTimeout bounds opening a connection. Default 2 s.
	DialTimeout time.Duration
	// Timeout bounds reading a reply and writing a request; a call fails
	// with an error after it rather than hang on a Redis that does not
	// answer. Default 3 s.
	Timeout time.Duration
	// SkipDurabilityCheck lets OpenRedis accept a Redis whose AOF is off,
	// whose appendfsync is not always, whose maxmemory-policy may evict
	// keys, or whose INFO or CONFIG this user may not read. Default false: such a Redis is refused, since it
	// cannot keep the store's promise that acknowledged writes survive.
	SkipDurabilityCheck bool
	// SourceKey seals CalDAV source passwords at rest (source_seal.go):
	// SourceKeySize random bytes, the same on every instance (majlis
	// reads MAJLIS_SOURCE_KEY). Default none: a source with a password is
	// refused (ErrNoSourceKey), and one stored in plain text before is
	// read as it is.
	SourceKey []byte
}

// Redis is the store shared by the majlis instances of a scale-out
// deployment. Under the prefix P (default "majlis:") it keeps:
//
//	P events               hash: event ID → event JSON
//	P events:start         sorted set: revision+ID scored by the event's start (Unix seconds, floored)
//	P events:maxdur        string: the longest event duration ever stored (seconds)
//	P events:rev           hash: event ID → revision (random, new on every write)
//	P agendas              hash: event ID → agenda JSON
//	P series               hash: series ID → series JSON
//	P organizers           hash: organizer ID → organizer JSON
//	P organizers:by-token  hash: token hash → organizer ID
//	P secret               string: the token-signing secret (see Secret)
//	P invites:…            invitations (see invite_redis.go)
//	P session:…, link:…    organizer-app sessions, sign-in links, passkeys, ceremonies, named tokens (see signin_redis.go)
//	P institutions, rolls, ballots, ballot:…  the general assembly (see assembly_redis.go)
//	P rate:…               strings: rate limits' state, expiring (see TakeRate)
//
// (no space between P and the name). Values are the same JSON documents as
// Bolt's, each with its version as the first field ("_version"). Every
// event script takes the five event keys, so a Redis Cluster needs a
// prefix with a hash tag, such as "{majlis}:", to keep them in one slot.
//
// Listings keep the events they decoded in memory, checked against the
// revisions in Redis on every listing, so that several instances share
// one truth and none decodes an unchanged event twice (see ListEvents).
//
// Every write is one Lua script, so its version checks and all the keys it
// changes form one atomic step: no other client sees or interleaves with a
// half-done write. Reads that touch several keys (a listing, a lookup by
// token) are scripts too, so they see one consistent state. A write that
// Redis acknowledged is durable as far as Redis's AOF is (see the README:
// appendfsync always makes it survive kill -9 and power loss).
//
// go-redis never retries a command here (MaxRetries -1): a write whose
// connection broke may have run, and running it twice would bump a
// version twice or turn a successful create into a conflict. Such a write
// returns an error; whether it was applied is then unknown, as with any
// networked database, and re-reading the version tells.
type Redis struct {
	client *redis.Client
	addr   string
	k      redisKeys

	mu     sync.RWMutex // held for reading by calls in progress, for writing by Close
	closed bool

	// cache holds events decoded by listings, by ID (see ListEvents).
	cacheMu sync.Mutex
	cache   map[string]cachedEvent

	// sources seals CalDAV passwords (source_seal.go); nil without
	// RedisConfig.SourceKey.
	sources *sealer
}

var _ Store = (*Redis)(nil)

// redisKeys are the full key names under one prefix.
type redisKeys struct {
	// prefix is P itself, for the keys named per record (assembly_redis.go).
	prefix                     string
	series, organizers, tokens string
	// secret holds the token-signing secret (see Secret).
	secret string
	// event are the keys of the event write scripts, in the order they
	// name them (lua/event_create.lua): events, events:start,
	// events:maxdur, events:rev, agendas.
	event []string
}

func newRedisKeys(p string) redisKeys {
	return redisKeys{
		prefix: p,
		series: p + "series", organizers: p + "organizers", tokens: p + "organizers:by-token",
		secret: p + "secret",
		event: []string{p + "events", p + "events:start", p + "events:maxdur",
			p + "events:rev", p + "agendas"},
	}
}

// OpenRedis connects to the Redis at rawURL
// (redis://[user:password@]host:port/db, or rediss:// for TLS), checks
// that it answers, and, unless cfg.SkipDurabilityCheck, that it is
// configured to keep what it acknowledges (AOF on with appendfsync
// always, no eviction of the store's keys).
func OpenRedis(ctx context.Context, rawURL string, cfg RedisConfig) (*Redis, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "majlis:"
	}
	var sources *sealer
	if cfg.SourceKey != nil {
		var err error
		if sources, err = newSealer(cfg.SourceKey); err != nil {
			return nil, err
		}
	}
	client, err := redisconn.Open(ctx, "store", rawURL, redisconn.Config{DialTimeout: cfg.DialTimeout, Timeout: cfg.Timeout,
		SkipDurabilityCheck: cfg.SkipDurabilityCheck})
	if err != nil {
		return nil, err
	}
	return &Redis{client: client, addr: client.Options().Addr, k: newRedisKeys(cfg.Prefix), cache: map[string]cachedEvent{}, sources: sources}, nil
}

// begin starts a call: it fails on a cancelled context or a closed store,
// and otherwise holds off Close until the returned func is called.
func (r *Redis) begin(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return nil, errClosed
	}
	return r.mu.RUnlock, nil
}

// fail wraps an error from Redis (a network error, a timeout, a script
// error) as "store: redis: <what>: <error>".
// Network errors and timeouts also wrap agenda.ErrUnavailable.
func (r *Redis) fail(what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("store: redis: %s: %w (%w)", what, err, agenda.ErrUnavailable)
	}
	return fmt.Errorf("store: redis: %s: %w", what, err)
}

// unreachable tells a Redis that cannot be reached or does not answer in
// time from one that answered with an error.
func unreachable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// Close waits for the calls in progress and closes the connections. Later
// calls fail.
func (r *Redis) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	r.cacheMu.Lock()
	r.cache = nil
	r.cacheMu.Unlock()
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("store: redis: close: %w", err)
	}
	return nil
}

// Ping checks that Redis answers.
func (r *Redis) Ping(ctx context.Context) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if err := r.client.Ping(ctx).Err(); err != nil {
		return r.fail("ping "+r.addr, err)
	}
	return nil
}

// stamp is the Go twin of the Lua stamp: the stored form of body at
// version v, so that a write returns exactly what a read will.
func stamp(v int64, body []byte) []byte {
	out := make([]byte, 0, len(body)+24)
	out = append(out, `{"_version":`...)
	out = strconv.AppendInt(out, v, 10)
	if bytes.Equal(body, []byte("{}")) {
		return append(out, '}')
	}
	out = append(out, ',')
	return append(out, body[1:]...)
}

// result is a write script's reply.
type result struct {
	status  string
	version int64
	what    string
}

func (r *Redis) run(ctx context.Context, s *redis.Script, keys []string, args ...any) (result, error) {
	reply, err := s.Run(ctx, r.client, keys, args...).Slice()
	if err != nil {
		return result{}, err
	}
	var res result
	for i, v := range reply {
		switch x := v.(type) {
		case string:
			if i == 0 {
				res.status = x
			} else {
				res.what = x
			}
		case int64:
			res.version = x
		}
	}
	if res.status == "" {
		return result{}, fmt.Errorf("unexpected script reply %v", reply)
	}
	return res, nil
}

// eventDoc is an event encoded for a write script: its JSON, its start
// score, its duration in whole seconds rounded up (never negative), and a
// new revision.
type eventDoc struct {
	body       []byte
	start, dur int64
	rev        string
}

func encodeEvent(e agenda.Event) (eventDoc, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return eventDoc{}, fmt.Errorf("store: encode event %q: %w", e.ID, err)
	}
	d := e.End.Sub(e.Start)
	dur := int64(d / time.Second)
	if d%time.Second > 0 {
		dur++
	}
	return eventDoc{body: body, start: e.Start.Unix(), dur: max(dur, 0), rev: newRev()}, nil
}

// newRev returns a revision: 80 random bits in revLen characters, so
// that one revision names one write of one event, across processes,
// restarts and restores from backups alike. A listing's cache trusts a
// decoded event only while Redis holds the same revision.
func newRev() string { return randid.New("", randid.IDBytes) }

// CreateEvent implements agenda.Store.
func (r *Redis) CreateEvent(ctx context.Context, e agenda.Event, a agenda.Agenda) (agenda.Event, agenda.Agenda, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, err
	}
	defer end()
	if e.ID == "" {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("store: event without an ID: %w", agenda.ErrInvalid)
	}
	doc, err := encodeEvent(e)
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, err
	}
	a.EventID = e.ID
	abody, err := json.Marshal(a)
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("store: encode agenda %q: %w", e.ID, err)
	}
	res, err := r.run(ctx, scriptCreateEvent, r.k.event,
		e.ID,
		doc.body,
		doc.start,
		doc.dur,
		doc.rev,
		abody,
	)
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, r.fail(fmt.Sprintf("create event %q", e.ID), err)
	}
	if res.status == "exists" {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("store: event %q exists: %w", e.ID, agenda.ErrConflict)
	}
	ev, err := decodeEvent(stamp(1, doc.body))
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("store: decode event %q: %w", e.ID, err)
	}
	ag, err := decodeAgenda(stamp(1, abody))
	if err != nil {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("store: decode agenda %q: %w", e.ID, err)
	}
	return ev, ag, nil
}

// writeError turns a refused write script's reply into the store's error.
func writeError(res result, kind, id string, want int64) error {
	switch res.status {
	case "notfound":
		if res.what == "agenda" {
			return notFound("agenda of event", id)
		}
		return notFound(res.what, id)
	case "conflict":
		if res.what == "agenda" {
			return conflict("agenda of event", id, want, res.version)
		}
		return conflict(res.what, id, want, res.version)
	}
	return fmt.Errorf("store: redis: %s %q: unexpected script status %q", kind, id, res.status)
}

// get reads one document from a hash; what names it in errors.
func get[T any](ctx context.Context, r *Redis, key, what, id string, decode func([]byte) (T, error)) (T, error) {
	var zero T
	end, err := r.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer end()
	raw, err := r.client.HGet(ctx, key, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return zero, notFound(what, id)
	}
	if err != nil {
		return zero, r.fail(fmt.Sprintf("get %s %q", what, id), err)
	}
	v, err := decode(raw)
	if err != nil {
		return zero, fmt.Errorf("store: decode %s %q: %w", what, id, err)
	}
	return v, nil
}

// GetEvent implements agenda.Store.
func (r *Redis) GetEvent(ctx context.Context, id string) (agenda.Event, error) {
	return get(ctx, r, r.k.event[0], "event", id, decodeEvent)
}

// UpdateEvent implements agenda.Store.
func (r *Redis) UpdateEvent(ctx context.Context, e agenda.Event, ifVersion int64) (agenda.Event, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return agenda.Event{}, err
	}
	defer end()
	doc, err := encodeEvent(e)
	if err != nil {
		return agenda.Event{}, err
	}
	res, err := r.run(ctx, scriptUpdateEvent, r.k.event,
		e.ID,
		ifVersion,
		doc.body,
		doc.start,
		doc.dur,
		doc.rev,
	)
	if err != nil {
		return agenda.Event{}, r.fail(fmt.Sprintf("update event %q", e.ID), err)
	}
	if res.status != "ok" {
		return agenda.Event{}, writeError(res, "update event", e.ID, ifVersion)
	}
	ev, err := decodeEvent(stamp(res.version, doc.body))
	if err != nil {
		return agenda.Event{}, fmt.Errorf("store: decode event %q: %w", e.ID, err)
	}
	return ev, nil
}

// DeleteEvent implements agenda.Store.
func (r *Redis) DeleteEvent(ctx context.Context, id string, ifVersion int64) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	res, err := r.run(ctx, scriptDeleteEvent, r.k.event,
		id,
		ifVersion,
	)
	if err != nil {
		return r.fail(fmt.Sprintf("delete event %q", id), err)
	}
	if res.status != "ok" {
		return writeError(res, "delete event", id, ifVersion)
	}
	return nil
}

// ListEvents implements agenda.Store. The sorted set by start bounds a
// time window, so a window reads only the events that start inside it or
// up to the longest stored duration before it.
//
// The documents themselves mostly come from memory: decoding JSON is what
// a listing would spend its time on. Redis gives the listed events' IDs
// and revisions in one script (one consistent state); only the events
// this process has not decoded at that revision are fetched, by a second
// script that fails if any of them has changed since the first. Then the
// listing starts over, up to listAttempts times, after which the whole
// range is read in one script. Either way the result is one state that
// Redis was in, as a single transaction would give.
func (r *Redis) ListEvents(ctx context.Context, f agenda.Filter) ([]agenda.Event, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	from, to := "", ""
	if !f.From.IsZero() {
		from = strconv.FormatInt(f.From.Unix(), 10)
	}
	if !f.To.IsZero() {
		to = strconv.FormatInt(f.To.Unix(), 10)
	}
	var evs []*agenda.Event
	for range listAttempts {
		if evs, err = r.listOnce(ctx, from, to); err != nil || evs != nil {
			break
		}
	}
	if err == nil && evs == nil {
		evs, err = r.listAll(ctx, from, to)
	}
	if err != nil {
		return nil, err
	}
	out := copyMatching(evs, f)
	// The set orders by whole seconds, then ID; sub-second starts need
	// the exact order.
	slices.SortFunc(out, func(x, y agenda.Event) int { return compareEvents(&x, &y) })
	if from == "" && to == "" {
		r.prune(evs)
	}
	return out, nil
}

// listAttempts bounds how often ListEvents starts over because events
// changed between its two steps, before it reads the whole range at once.
const listAttempts = 2

// cachedEvent is an event decoded at one revision. The event is never
// modified: listings hand out copies.
type cachedEvent struct {
	rev string
	e   *agenda.Event
}

// listOnce lists the range from the cache and Redis in two steps. It
// returns nil, nil if an event changed between them.
func (r *Redis) listOnce(ctx context.Context, from, to string) ([]*agenda.Event, error) {
	reply, err := scriptListRevs.Run(ctx, r.client, []string{r.k.event[1], r.k.event[2]},
		from,
		to,
	).StringSlice()
	if err != nil {
		return nil, r.fail("list events", err)
	}
	evs := make([]*agenda.Event, len(reply))
	var missing []any // ID, revision pairs
	var at []int      // where each missing event goes in evs
	r.cacheMu.Lock()
	for i, m := range reply {
		rev, id := splitMember(m)
		if c, ok := r.cache[id]; ok && c.rev == rev {
			evs[i] = c.e
			continue
		}
		missing = append(missing, id, rev)
		at = append(at, i)
	}
	r.cacheMu.Unlock()
	if len(missing) == 0 {
		return evs, nil
	}
	docs, err := scriptEventsAt.Run(ctx, r.client, []string{r.k.event[0], r.k.event[3]},
		missing..., // ID, revision, ID, revision, …
	).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, nil // changed in between
	}
	if err != nil {
		return nil, r.fail("list events", err)
	}
	for k, doc := range docs {
		e, err := decodeEvent([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("store: decode event %q: %w", missing[2*k], err)
		}
		evs[at[k]] = &e
		r.remember(missing[2*k+1].(string), &e)
	}
	return evs, nil
}

// revLen is the length of a revision: 16, as long as the base64url
// revisions (96 bits) of stores written before revisions came from
// randid, which the index still holds.
var revLen = randid.Len("", randid.IDBytes)

// splitMember splits a member of events:start into revision and ID.
func splitMember(m string) (rev, id string) {
	if len(m) < revLen {
		return "", m
	}
	return m[:revLen], m[revLen:]
}

// listAll lists the range in one script, decoding only what the cache
// lacks; it is the fallback when events keep changing under listOnce.
func (r *Redis) listAll(ctx context.Context, from, to string) ([]*agenda.Event, error) {
	reply, err := scriptListAll.Run(ctx, r.client, r.k.event[:3],
		from,
		to,
		revLen,
	).StringSlice()
	if err != nil {
		return nil, r.fail("list events", err)
	}
	evs := make([]*agenda.Event, 0, len(reply)/2)
	for i := 0; i+1 < len(reply); i += 2 {
		rev, id := splitMember(reply[i])
		r.cacheMu.Lock()
		c, ok := r.cache[id]
		r.cacheMu.Unlock()
		if ok && c.rev == rev {
			evs = append(evs, c.e)
			continue
		}
		e, err := decodeEvent([]byte(reply[i+1]))
		if err != nil {
			return nil, fmt.Errorf("store: decode event %q: %w", id, err)
		}
		evs = append(evs, &e)
		r.remember(rev, &e)
	}
	return evs, nil
}

// remember caches e at revision rev. Two listings may race to cache two
// revisions of one event; whichever is left is checked against Redis
// before every use, so the loser only costs a decoding.
func (r *Redis) remember(rev string, e *agenda.Event) {
	r.cacheMu.Lock()
	r.cache[e.ID] = cachedEvent{rev: rev, e: e}
	r.cacheMu.Unlock()
}

// prune drops from the cache the events that a listing of everything did
// not return: deleted ones. One that was created meanwhile is dropped too,
// which only costs decoding it again.
func (r *Redis) prune(all []*agenda.Event) {
	r.cacheMu.Lock()
	defer r.cacheMu.Unlock()
	if len(r.cache) == len(all) {
		return
	}
	keep := make(map[string]bool, len(all))
	for _, e := range all {
		keep[e.ID] = true
	}
	for id := range r.cache {
		if !keep[id] {
			delete(r.cache, id)
		}
	}
}

// GetAgenda implements agenda.Store.
func (r *Redis) GetAgenda(ctx context.Context, eventID string) (agenda.Agenda, error) {
	return get(ctx, r, r.k.event[4], "agenda of event", eventID, decodeAgenda)
}

// PutAgenda implements agenda.Store. When e is given, its Version is the
// precondition on the stored event (0: none), and both writes commit or
// neither does. *e is not modified; GetEvent returns the new version.
func (r *Redis) PutAgenda(ctx context.Context, a agenda.Agenda, ifVersion int64, e *agenda.Event) (agenda.Agenda, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return agenda.Agenda{}, err
	}
	defer end()
	abody, err := json.Marshal(a)
	if err != nil {
		return agenda.Agenda{}, fmt.Errorf("store: encode agenda %q: %w", a.EventID, err)
	}
	withEvent, eventVersion, doc := "0", int64(0), eventDoc{}
	if e != nil {
		if e.ID != a.EventID {
			return agenda.Agenda{}, fmt.Errorf("store: agenda of %q written with event %q: %w", a.EventID, e.ID, agenda.ErrInvalid)
		}
		if doc, err = encodeEvent(*e); err != nil {
			return agenda.Agenda{}, err
		}
		withEvent, eventVersion = "1", e.Version
	}
	res, err := r.run(ctx, scriptPutAgenda, r.k.event,
		a.EventID,
		ifVersion,
		abody,
		withEvent,
		eventVersion,
		doc.body,
		doc.start,
		doc.dur,
		doc.rev,
	)
	if err != nil {
		return agenda.Agenda{}, r.fail(fmt.Sprintf("put agenda %q", a.EventID), err)
	}
	if res.status != "ok" {
		want := ifVersion
		if res.what == "event" && e != nil {
			want = e.Version
		}
		return agenda.Agenda{}, writeError(res, "put agenda", a.EventID, want)
	}
	ag, err := decodeAgenda(stamp(res.version, abody))
	if err != nil {
		return agenda.Agenda{}, fmt.Errorf("store: decode agenda %q: %w", a.EventID, err)
	}
	return ag, nil
}

// PutSeries implements agenda.Store. A precondition on a series that does
// not exist fails with ErrConflict, as an HTTP If-Match would.
func (r *Redis) PutSeries(ctx context.Context, s agenda.Series, ifVersion int64) (agenda.Series, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return agenda.Series{}, err
	}
	defer end()
	if s.ID == "" {
		return agenda.Series{}, fmt.Errorf("store: series without an ID: %w", agenda.ErrInvalid)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return agenda.Series{}, fmt.Errorf("store: encode series %q: %w", s.ID, err)
	}
	res, err := r.run(ctx, scriptPutVersioned, []string{r.k.series},
		s.ID,
		ifVersion,
		body,
		"series",
	)
	if err != nil {
		return agenda.Series{}, r.fail(fmt.Sprintf("put series %q", s.ID), err)
	}
	if res.status != "ok" {
		return agenda.Series{}, writeError(res, "put series", s.ID, ifVersion)
	}
	out, err := decodeSeries(stamp(res.version, body))
	if err != nil {
		return agenda.Series{}, fmt.Errorf("store: decode series %q: %w", s.ID, err)
	}
	return out, nil
}

// GetSeries implements agenda.Store.
func (r *Redis) GetSeries(ctx context.Context, id string) (agenda.Series, error) {
	return get(ctx, r, r.k.series, "series", id, decodeSeries)
}

// all decodes every document of a hash (one HGETALL: one consistent read).
func all[T any](ctx context.Context, r *Redis, key, kind string, decode func([]byte) (T, error)) ([]T, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	m, err := r.client.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, r.fail("list "+kind, err)
	}
	var out []T // as Bolt: nil when there is nothing
	for id, raw := range m {
		v, err := decode([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("store: decode %s %q: %w", kind, id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// ListSeries implements agenda.Store: ordered by ID.
func (r *Redis) ListSeries(ctx context.Context) ([]agenda.Series, error) {
	out, err := all(ctx, r, r.k.series, "series", decodeSeries)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y agenda.Series) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// CreateOrganizer implements access.Store. A duplicate ID or token hash
// fails with agenda.ErrConflict.
func (r *Redis) CreateOrganizer(ctx context.Context, o access.Organizer) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if o.TokenHash == "" {
		return fmt.Errorf("store: organizer %q has no token hash: %w", o.ID, agenda.ErrInvalid)
	}
	if o.ID == "" {
		return fmt.Errorf("store: organizer without an ID: %w", agenda.ErrInvalid)
	}
	body, err := json.Marshal(storedOrganizer{Organizer: o, Hash: o.TokenHash})
	if err != nil {
		return fmt.Errorf("store: encode organizer %q: %w", o.ID, err)
	}
	res, err := r.run(ctx, scriptIndexedCreate, []string{r.k.organizers, r.k.tokens},
		o.ID,
		o.TokenHash,
		o.ID, // the index entry
		body,
	)
	if err != nil {
		return r.fail(fmt.Sprintf("create organizer %q", o.ID), err)
	}
	switch {
	case res.status == "exists" && res.what == "token":
		return fmt.Errorf("store: organizer %q: token hash already in use: %w", o.ID, agenda.ErrConflict)
	case res.status == "exists":
		return fmt.Errorf("store: organizer %q exists: %w", o.ID, agenda.ErrConflict)
	}
	return nil
}

// OrganizerByTokenHash implements access.Store. Revoked organizers are
// returned too (with Revoked set): refusing them is access's decision.
func (r *Redis) OrganizerByTokenHash(ctx context.Context, hash string) (access.Organizer, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return access.Organizer{}, err
	}
	defer end()
	raw, err := scriptOrganizerByToken.Run(ctx, r.client, []string{r.k.tokens, r.k.organizers},
		hash,
	).Text()
	if errors.Is(err, redis.Nil) {
		return access.Organizer{}, fmt.Errorf("store: no organizer with that token: %w", access.ErrNotFound)
	}
	if err != nil {
		return access.Organizer{}, r.fail("organizer by token", err)
	}
	o, err := decodeOrganizer([]byte(raw))
	if err != nil {
		return access.Organizer{}, fmt.Errorf("store: decode organizer: %w", err)
	}
	return o, nil
}

// ListOrganizers implements access.Store: ordered by creation, then ID.
func (r *Redis) ListOrganizers(ctx context.Context) ([]access.Organizer, error) {
	out, err := all(ctx, r, r.k.organizers, "organizers", decodeOrganizer)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y access.Organizer) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out, nil
}

// revokeAttempts bounds RevokeOrganizer's compare-and-swap loop; only
// writers changing the same organizer at the same moment make it retry.
const revokeAttempts = 10

// RevokeOrganizer implements access.Store. Revoking twice is not an error.
// It reads the organizer, sets Revoked, and writes it back only if nobody
// changed it in between (compare-and-swap), retrying otherwise.
func (r *Redis) RevokeOrganizer(ctx context.Context, id string) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	for range revokeAttempts {
		raw, err := r.client.HGet(ctx, r.k.organizers, id).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
		}
		if err != nil {
			return r.fail(fmt.Sprintf("revoke organizer %q", id), err)
		}
		o, err := decodeOrganizer(raw)
		if err != nil {
			return fmt.Errorf("store: decode organizer %q: %w", id, err)
		}
		if o.Revoked {
			return nil
		}
		o.Revoked = true
		body, err := json.Marshal(storedOrganizer{Organizer: o, Hash: o.TokenHash})
		if err != nil {
			return fmt.Errorf("store: encode organizer %q: %w", id, err)
		}
		swapped, err := scriptSwap.Run(ctx, r.client, []string{r.k.organizers},
			id,
			raw,
			body,
		).Int()
		if err != nil {
			return r.fail(fmt.Sprintf("revoke organizer %q", id), err)
		}
		if swapped == 1 {
			return nil
		}
	}
	return fmt.Errorf("store: organizer %q kept changing during revoke: %w", id, agenda.ErrConflict)
}
