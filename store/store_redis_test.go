package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/store"
	"github.com/majlis/majlis/store/storetest"
)

// redisServer is the one redis-server of this test binary that the
// conformance tests share, each under its own key prefix. Tests that stop,
// kill or pause Redis start their own.
var redisServer redistest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	redisServer.Close()
	os.Exit(code)
}

// prefixes makes every opened test store's prefix unique.
var prefixes atomic.Int64

func openRedis(t testing.TB, url string, cfg store.RedisConfig) *store.Redis {
	t.Helper()
	if cfg.SourceKey == nil {
		cfg.SourceKey = testSourceKey
	}
	s, err := store.OpenRedis(context.Background(), url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newPrefix returns a key prefix no other test uses.
func newPrefix() string { return fmt.Sprintf("test%d:", prefixes.Add(1)) }

func TestRedisConformance(t *testing.T) {
	url := redisServer.Get(t).URL()
	storetest.Run(t, func(t *testing.T) store.Store {
		return openRedis(t, url, store.RedisConfig{Prefix: newPrefix()})
	})
}

func TestRedisReopen(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	o := func(t *testing.T) store.Store { return openRedis(t, url, store.RedisConfig{Prefix: prefix}) }
	storetest.RunReopen(t, o, o)
}

// rawClient is a plain client, to look at the keys themselves.
func rawClient(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRedisKeyLayout pins the keys documented on store.Redis and in the
// README, and checks that two prefixes on one Redis do not see each other.
func TestRedisKeyLayout(t *testing.T) {
	url := redisServer.Get(t).URL()
	a := openRedis(t, url, store.RedisConfig{Prefix: "layout-a:"})
	b := openRedis(t, url, store.RedisConfig{Prefix: "layout-b:"})
	ctx := context.Background()
	base := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	if _, _, err := a.CreateEvent(ctx, storetest.Event("ev-1", base), agenda.Agenda{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutSeries(ctx, agenda.Series{ID: "ser"}, 0); err != nil {
		t.Fatal(err)
	}
	_, hash := access.NewToken()
	if err := a.CreateOrganizer(ctx, access.Organizer{ID: "org_a", TokenHash: hash, Created: base}); err != nil {
		t.Fatal(err)
	}
	keys, err := rawClient(t, url).Keys(ctx, "layout-a:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	want := []string{"layout-a:agendas", "layout-a:events", "layout-a:events:maxdur", "layout-a:events:rev", "layout-a:events:start",
		"layout-a:organizers", "layout-a:organizers:by-token", "layout-a:series"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	raw, err := rawClient(t, url).HGet(ctx, "layout-a:events", "ev-1").Result()
	if err != nil || !strings.HasPrefix(raw, `{"_version":1,"id":"ev-1",`) {
		t.Fatalf("stored event %q, %v", raw, err)
	}
	if _, err := b.GetEvent(ctx, "ev-1"); !errors.Is(err, agenda.ErrNotFound) {
		t.Fatalf("another prefix sees the event: %v", err)
	}
	if evs, err := b.ListEvents(ctx, agenda.Filter{}); err != nil || len(evs) != 0 {
		t.Fatalf("another prefix lists %d events, %v", len(evs), err)
	}
	if _, err := b.OrganizerByTokenHash(ctx, hash); !errors.Is(err, access.ErrNotFound) {
		t.Fatalf("another prefix sees the organizer: %v", err)
	}
}

// TestRedisInstancesShareOneTruth runs two stores on one prefix, as two
// majlis instances share one Redis: what one writes, the other lists at
// once, although its listings keep decoded events in memory.
func TestRedisInstancesShareOneTruth(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	a := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	b := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	ctx := context.Background()
	base := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	for i := range 3 {
		if _, _, err := a.CreateEvent(ctx, storetest.Event(fmt.Sprint("ev-", i), base.Add(time.Duration(i)*time.Hour)), agenda.Agenda{}); err != nil {
			t.Fatal(err)
		}
	}
	list := func(t *testing.T, f agenda.Filter) []agenda.Event {
		t.Helper()
		evs, err := b.ListEvents(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	list(t, agenda.Filter{}) // b now holds all three decoded
	steps := []struct {
		name  string
		write func() error
		f     agenda.Filter
		check func(evs []agenda.Event) bool
	}{
		{"update", func() error {
			e := storetest.Event("ev-0", base)
			e.Title = agenda.Text{"en": "renamed"}
			_, err := a.UpdateEvent(ctx, e, 1)
			return err
		}, agenda.Filter{}, func(evs []agenda.Event) bool {
			return len(evs) == 3 && evs[0].Title["en"] == "renamed" && evs[0].Version == 2
		}},
		{"deleted and created again at version 1", func() error {
			if err := a.DeleteEvent(ctx, "ev-1", 0); err != nil {
				return err
			}
			e := storetest.Event("ev-1", base.Add(time.Hour))
			e.Title, e.Region = agenda.Text{"en": "reborn"}, agenda.RegionAfrica
			_, _, err := a.CreateEvent(ctx, e, agenda.Agenda{})
			return err
		}, agenda.Filter{Region: agenda.RegionAfrica}, func(evs []agenda.Event) bool {
			return len(evs) == 1 && evs[0].ID == "ev-1" && evs[0].Title["en"] == "reborn" && evs[0].Version == 1
		}},
		{"moved by a joint agenda write", func() error {
			e := storetest.Event("ev-2", base.Add(-time.Hour))
			e.Version = 1
			_, err := a.PutAgenda(ctx, agenda.Agenda{EventID: "ev-2"}, 0, &e)
			return err
		}, agenda.Filter{To: base}, func(evs []agenda.Event) bool {
			return len(evs) == 1 && evs[0].ID == "ev-2" && evs[0].Version == 2
		}},
		{"deleted", func() error { return a.DeleteEvent(ctx, "ev-0", 0) }, agenda.Filter{}, func(evs []agenda.Event) bool {
			return len(evs) == 2 && evs[0].ID == "ev-2" && evs[1].ID == "ev-1"
		}},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); err != nil {
				t.Fatal(err)
			}
			if evs := list(t, tc.f); !tc.check(evs) {
				t.Fatalf("listed %+v", evs)
			}
		})
	}

	// Under a stream of writes, every listing is one state: no event
	// goes back to an older version, and each event's content is that of
	// its version.
	t.Run("listings during writes", func(t *testing.T) {
		const n = 40
		for i := range n {
			e := storetest.Event(fmt.Sprintf("churn-%02d", i), base.Add(time.Duration(i)*time.Minute))
			e.Title = agenda.Text{"en": "1"}
			if _, _, err := a.CreateEvent(ctx, e, agenda.Agenda{}); err != nil {
				t.Fatal(err)
			}
		}
		stop := make(chan struct{})
		writerDone := make(chan error, 1)
		go func() {
			versions := make([]int64, n)
			for i := range versions {
				versions[i] = 1
			}
			for k := 0; ; k++ {
				select {
				case <-stop:
					writerDone <- nil
					return
				default:
				}
				i := k % n
				e := storetest.Event(fmt.Sprintf("churn-%02d", i), base.Add(time.Duration(i)*time.Minute))
				e.Title = agenda.Text{"en": fmt.Sprint(versions[i] + 1)}
				if _, err := a.UpdateEvent(ctx, e, versions[i]); err != nil {
					writerDone <- err
					return
				}
				versions[i]++
			}
		}()
		seen := map[string]int64{}
		for range 150 {
			for _, e := range list(t, agenda.Filter{From: base.Add(-time.Minute)}) {
				if !strings.HasPrefix(e.ID, "churn-") {
					continue
				}
				if e.Title["en"] != fmt.Sprint(e.Version) {
					t.Fatalf("%s: version %d with the content of %s", e.ID, e.Version, e.Title["en"])
				}
				if e.Version < seen[e.ID] {
					t.Fatalf("%s went back from version %d to %d", e.ID, seen[e.ID], e.Version)
				}
				seen[e.ID] = e.Version
			}
		}
		close(stop)
		if err := <-writerDone; err != nil {
			t.Fatal(err)
		}
		for _, e := range list(t, agenda.Filter{}) {
			if got, err := a.GetEvent(ctx, e.ID); err != nil || got.Version != e.Version {
				t.Fatalf("%s listed at version %d after the writes stopped; stored: %d, %v", e.ID, e.Version, got.Version, err)
			}
		}
	})
}

func TestRedisOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	volatile := redistest.Start(t, redistest.Config{Args: []string{"--appendonly", "no"}})
	evicting := redistest.Start(t, redistest.Config{Args: []string{"--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"}})
	everysec := redistest.Start(t, redistest.Config{AppendFsync: "everysec"})
	never := redistest.Start(t, redistest.Config{AppendFsync: "no"})
	tests := []struct {
		name    string
		url     string
		cfg     store.RedisConfig
		want    string // in the error; "" for success
		notWant string // never in the error
	}{
		{"not a URL", "http://example.org", store.RedisConfig{}, "store: redis URL", ""},
		{"password kept out of the error", "redis://user:s3cret@127.0.0.1:1/0%zz", store.RedisConfig{}, "store: redis URL", "s3cret"},
		{"nobody listening", "redis://user:s3cret@127.0.0.1:1/0", store.RedisConfig{}, "store: redis: cannot reach 127.0.0.1:1", "s3cret"},
		{"AOF off", volatile.URL(), store.RedisConfig{}, "has appendonly off", ""},
		{"AOF off, check skipped", volatile.URL(), store.RedisConfig{SkipDurabilityCheck: true}, "", ""},
		{"evicting", evicting.URL(), store.RedisConfig{}, "maxmemory-policy allkeys-lru", ""},
		{"appendfsync everysec", everysec.URL(), store.RedisConfig{}, "has appendfsync everysec", ""},
		{"appendfsync everysec says what to set", everysec.URL(), store.RedisConfig{}, "configure appendfsync always", ""},
		{"appendfsync no", never.URL(), store.RedisConfig{}, "has appendfsync no", ""},
		{"appendfsync no, check skipped", never.URL(), store.RedisConfig{SkipDurabilityCheck: true}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.OpenRedis(ctx, tc.url, tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				return
			}
			if err == nil {
				s.Close()
				t.Fatalf("opened, want an error with %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "store: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want one with %q", err, tc.want)
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Fatalf("error %q contains %q", err, tc.notWant)
			}
		})
	}
}

// TestRedisAcknowledgedWritesSurviveKill9 writes from several goroutines
// to a Redis with appendfsync always, kills redis-server with SIGKILL while
// writes are in flight, restarts it on the same data, and checks that
// every write Redis had acknowledged is there. Writes in flight at the
// kill may or may not have landed; none may be half applied.
func TestRedisAcknowledgedWritesSurviveKill9(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{AppendFsync: "always"})
	s := openRedis(t, srv.URL(), store.RedisConfig{})
	ctx := context.Background()
	base := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

	const writers = 4
	// acked[w] is what writer w had acknowledged, in order: for each of
	// its events, the last version acknowledged.
	type ack struct {
		id      string
		version int64
		items   int
	}
	acked := make([][]ack, writers)
	orgs := make([][]string, writers)
	var total atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("ev-%d-%04d", w, i)
				items := []agenda.Item{{ID: "opening", Title: agenda.Text{"en": "Opening"}, Start: base, Minutes: 15}}
				e, _, err := s.CreateEvent(ctx, storetest.Event(id, base.Add(time.Duration(i)*time.Minute)), agenda.Agenda{Items: items})
				if err != nil {
					return // Redis is gone
				}
				acked[w] = append(acked[w], ack{id, 1, 1})
				// Then an update and a joint agenda+event write, each
				// acknowledged separately.
				e.Sequence++
				if e, err = s.UpdateEvent(ctx, e, e.Version); err != nil {
					return
				}
				acked[w][len(acked[w])-1].version = 2
				items = append(items, agenda.Item{ID: "close", Title: agenda.Text{"en": "Closing"}, Start: base.Add(15 * time.Minute), Minutes: 5})
				if _, err := s.PutAgenda(ctx, agenda.Agenda{EventID: id, Items: items}, 1, &e); err != nil {
					return
				}
				acked[w][len(acked[w])-1] = ack{id, 3, 2}
				_, hash := access.NewToken()
				oid := fmt.Sprintf("org-%d-%04d", w, i)
				if err := s.CreateOrganizer(ctx, access.Organizer{ID: oid, Name: "N", TokenHash: hash, Created: base}); err != nil {
					return
				}
				orgs[w] = append(orgs[w], hash)
				total.Add(1)
			}
		}()
	}
	for total.Load() < 200 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait() // every writer stops at its first error
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}

	// The same store, reconnecting on its own, and a fresh one.
	fresh := openRedis(t, srv.URL(), store.RedisConfig{})
	for _, st := range []store.Store{s, fresh} {
		n := 0
		for w := range writers {
			for _, a := range acked[w] {
				n++
				e, err := st.GetEvent(ctx, a.id)
				if err != nil {
					t.Fatalf("acknowledged event %s lost after kill -9: %v", a.id, err)
				}
				ag, err := st.GetAgenda(ctx, a.id)
				if err != nil {
					t.Fatalf("agenda of acknowledged event %s lost after kill -9: %v", a.id, err)
				}
				// The write after the last acknowledged one may have
				// landed without its acknowledgement, but only whole.
				switch {
				case e.Version == a.version && ag.Version == 1 && len(ag.Items) == 1 && a.version < 3:
				case e.Version == a.version+1 && a.version == 1 && ag.Version == 1:
				case e.Version == 3 && ag.Version == 2 && len(ag.Items) == 2 && a.version >= 2:
				default:
					t.Fatalf("event %s: acknowledged v%d with %d items; found event v%d, agenda v%d with %d items",
						a.id, a.version, a.items, e.Version, ag.Version, len(ag.Items))
				}
			}
			for _, h := range orgs[w] {
				if _, err := st.OrganizerByTokenHash(ctx, h); err != nil {
					t.Fatalf("acknowledged organizer lost after kill -9: %v", err)
				}
			}
		}
		evs, err := st.ListEvents(ctx, agenda.Filter{})
		if err != nil || len(evs) < n {
			t.Fatalf("list after kill -9: %v, %d events for %d acknowledged", err, len(evs), n)
		}
	}
	if total.Load() < 200 {
		t.Fatalf("only %d rounds acknowledged", total.Load())
	}
}

// callAll makes one call of every method and returns their errors.
func callAll(ctx context.Context, s store.Store) map[string]error {
	base := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	e := storetest.Event("ev-1", base)
	errs := map[string]error{}
	_, _, errs["CreateEvent"] = s.CreateEvent(ctx, storetest.Event("ev-new", base), agenda.Agenda{})
	_, errs["GetEvent"] = s.GetEvent(ctx, "ev-1")
	_, errs["UpdateEvent"] = s.UpdateEvent(ctx, e, 0)
	errs["DeleteEvent"] = s.DeleteEvent(ctx, "ev-1", 0)
	_, errs["ListEvents"] = s.ListEvents(ctx, agenda.Filter{})
	_, errs["GetAgenda"] = s.GetAgenda(ctx, "ev-1")
	_, errs["PutAgenda"] = s.PutAgenda(ctx, agenda.Agenda{EventID: "ev-1"}, 0, &e)
	_, errs["PutSeries"] = s.PutSeries(ctx, agenda.Series{ID: "s"}, 0)
	_, errs["GetSeries"] = s.GetSeries(ctx, "s")
	_, errs["ListSeries"] = s.ListSeries(ctx)
	_, hash := access.NewToken()
	errs["CreateOrganizer"] = s.CreateOrganizer(ctx, access.Organizer{ID: "org_new", TokenHash: hash})
	_, errs["OrganizerByTokenHash"] = s.OrganizerByTokenHash(ctx, hash)
	_, errs["ListOrganizers"] = s.ListOrganizers(ctx)
	errs["RevokeOrganizer"] = s.RevokeOrganizer(ctx, "org_a")
	errs["Ping"] = s.Ping(ctx)
	return errs
}

// hangGuard bounds how long a call on an unreachable Redis may take before
// the test calls it hung: far above the store's 300 ms timeouts set below,
// so it catches a hang, not a slow machine.
const hangGuard = 20 * time.Second

// checkOutage fails t unless every call fails with a "store: redis: "
// error, within hangGuard in all.
func checkOutage(t *testing.T, s store.Store) {
	t.Helper()
	done := make(chan map[string]error, 1)
	go func() { done <- callAll(context.Background(), s) }()
	select {
	case errs := <-done:
		for name, err := range errs {
			if err == nil || !strings.HasPrefix(err.Error(), "store: redis: ") || !errors.Is(err, agenda.ErrUnavailable) {
				t.Errorf("%s while Redis is unreachable: %v, want a \"store: redis: \" error wrapping agenda.ErrUnavailable", name, err)
			}
		}
	case <-time.After(hangGuard):
		t.Fatalf("calls still running %v after Redis became unreachable", hangGuard)
	}
}

// checkRecovered fails t unless the store works again on its own (no
// reopening) once Redis is back: it creates the event id and reads it
// back. After a run of refused connections go-redis stops dialling and
// probes the address once a second, so the first calls may still fail
// for up to about a second; they must fail cleanly, then succeed.
func checkRecovered(t *testing.T, s store.Store, id string) {
	t.Helper()
	ctx := context.Background()
	e := storetest.Event(id, time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC))
	deadline := time.Now().Add(hangGuard)
	for {
		_, _, err := s.CreateEvent(ctx, e, agenda.Agenda{})
		if err == nil {
			break
		}
		if !strings.HasPrefix(err.Error(), "store: redis: ") {
			t.Fatalf("call after Redis came back: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("store still failing %v after Redis came back: %v", hangGuard, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if e, err := s.GetEvent(ctx, id); err != nil || e.Version != 1 {
		t.Fatalf("read after Redis came back: %v, version %d", err, e.Version)
	}
}

// checkUntouched fails t unless ev-1 is still at version v: no call made
// during the outage reached Redis.
func checkUntouched(t *testing.T, s store.Store, v int64) {
	t.Helper()
	if e, err := s.GetEvent(context.Background(), "ev-1"); err != nil || e.Version != v {
		t.Fatalf("ev-1 after the outage: %v, version %d; want version %d", err, e.Version, v)
	}
}

// TestRedisOutage stops Redis (connections refused), kills it, then
// freezes it (connections open, no answers): every call fails with a clear
// error instead of hanging or panicking, and the same store works again,
// on its own, once Redis is back.
func TestRedisOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{})
	s := openRedis(t, srv.URL(), store.RedisConfig{DialTimeout: 300 * time.Millisecond, Timeout: 300 * time.Millisecond})
	ctx := context.Background()
	base := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	if _, _, err := s.CreateEvent(ctx, storetest.Event("ev-1", base), agenda.Agenda{}); err != nil {
		t.Fatal(err)
	}
	_, hash := access.NewToken()
	if err := s.CreateOrganizer(ctx, access.Organizer{ID: "org_a", TokenHash: hash, Created: base}); err != nil {
		t.Fatal(err)
	}

	t.Run("stopped", func(t *testing.T) {
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		checkOutage(t, s)
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		checkRecovered(t, s, "after-stop")
		checkUntouched(t, s, 1)
	})
	t.Run("killed", func(t *testing.T) {
		if err := srv.Kill(); err != nil {
			t.Fatal(err)
		}
		checkOutage(t, s)
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		checkRecovered(t, s, "after-kill")
		checkUntouched(t, s, 1)
	})
	t.Run("frozen", func(t *testing.T) {
		if err := srv.Pause(); err != nil {
			t.Fatal(err)
		}
		checkOutage(t, s)
		if err := srv.Resume(); err != nil {
			t.Fatal(err)
		}
		// A write that timed out was sent: Redis may still run it once it
		// thaws. Its outcome is unknown to the caller (never half
		// applied), so ev-1 is not checked here.
		checkRecovered(t, s, "after-freeze")
	})
}

// seedRedis fills a store under a fresh prefix with n events an hour
// apart, in the five regions in turn, writing from several goroutines.
func seedRedis(b *testing.B, url string, n int) (*store.Redis, time.Time) {
	b.Helper()
	// The everysec benchmark measures a Redis the store would refuse.
	s := openRedis(b, url, store.RedisConfig{Prefix: newPrefix(), SkipDurabilityCheck: true})
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	const writers = 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				e := storetest.Event(fmt.Sprintf("ev-%05d", i), start.Add(time.Duration(i)*time.Hour))
				e.Region = agenda.Regions[i%len(agenda.Regions)]
				if _, _, err := s.CreateEvent(context.Background(), e, agenda.Agenda{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	return s, start
}

// BenchmarkRedisListEvents10000 lists 10,000 stored events, as
// BenchmarkBoltListEvents10000 does: all of them, one region (2,000
// match), and a 30-day window (720 match). Redis runs on the same machine.
func BenchmarkRedisListEvents10000(b *testing.B) {
	s, start := seedRedis(b, redisServer.Get(b).URL(), 10000)
	storetest.BenchListEvents(b, s, start)
}

// BenchmarkRedisUpdateEvent10000 moves one event among 10,000 back and
// forth, as BenchmarkBoltUpdateEvent10000 does, with each AOF fsync
// policy: the price of "acknowledged means on disk".
func BenchmarkRedisUpdateEvent10000(b *testing.B) {
	for _, fsync := range []string{"always", "everysec"} {
		b.Run("appendfsync="+fsync, func(b *testing.B) {
			srv := redistest.Start(b, redistest.Config{AppendFsync: fsync})
			s, start := seedRedis(b, srv.URL(), 10000)
			e, err := s.GetEvent(context.Background(), "ev-05000")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				e.Start = start.Add(time.Duration(i%9000) * time.Hour)
				e.End = e.Start.Add(time.Hour)
				if e, err = s.UpdateEvent(context.Background(), e, e.Version); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRedisSecretShared: instances of one deployment (one prefix) that
// start together all get the same secret; another deployment gets its
// own; the secret outlives the instances.
func TestRedisSecretShared(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	ctx := context.Background()
	const n = 8
	got := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		s := openRedis(t, url, store.RedisConfig{Prefix: prefix})
		wg.Go(func() {
			b, err := s.Secret(ctx)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i := range n {
		if len(got[i]) != 52 || !bytes.Equal(got[i], got[0]) { // 256 bits in base32
			t.Fatalf("instance %d has secret %q, instance 0 %q", i, got[i], got[0])
		}
	}
	later, err := openRedis(t, url, store.RedisConfig{Prefix: prefix}).Secret(ctx)
	if err != nil || !bytes.Equal(later, got[0]) {
		t.Fatalf("a later instance gets %x, %v; want the first secret", later, err)
	}
	other, err := openRedis(t, url, store.RedisConfig{Prefix: newPrefix()}).Secret(ctx)
	if err != nil || bytes.Equal(other, got[0]) {
		t.Fatalf("another deployment gets %x, %v; want its own secret", other, err)
	}
	if err := rawClient(t, url).Set(ctx, prefix+"secret", "short", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := openRedis(t, url, store.RedisConfig{Prefix: prefix}).Secret(ctx); err == nil || !strings.Contains(err.Error(), "want at least 32") {
		t.Fatalf("a short stored secret: %v", err)
	}
}

// TestRedisReadsPlainLocationsAndSpeakers: events and agendas written
// before location and speakers had languages (plain strings) still load.
func TestRedisReadsPlainLocationsAndSpeakers(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	raw := rawClient(t, url)
	ctx := context.Background()
	storetest.WriteLegacy(t, openRedis(t, url, store.RedisConfig{Prefix: prefix}), func(kind, id string, edit func(string) string) {
		key := prefix + map[string]string{"event": "events", "agenda": "agendas"}[kind]
		v, err := raw.HGet(ctx, key, id).Result()
		if err != nil {
			t.Fatal(err)
		}
		if err := raw.HSet(ctx, key, id, edit(v)).Err(); err != nil {
			t.Fatal(err)
		}
	})
	storetest.CheckLegacy(t, openRedis(t, url, store.RedisConfig{Prefix: prefix}))
}
