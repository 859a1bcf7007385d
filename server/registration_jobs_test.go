package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// TestRegistrationRemindersOnce: two instances over one Redis run the
// jobs at once; the registrant gets the day reminder once, in their
// language; the purge deletes the registrations once retention passed.
func TestRegistrationRemindersOnce(t *testing.T) {
	relay, received := smtpServer(t)
	mailer, err := registration.NewSMTP(relay)
	if err != nil {
		t.Fatal(err)
	}
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	var srvs []*server.Server
	var st *store.Redis
	for range 2 {
		s, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: "jobs-test:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
		srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Mailer: mailer, Now: clock}, s, agenda.New(agenda.Config{}, s))
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		t.Cleanup(func() { srv.Shutdown(ctx) })
		srvs = append(srvs, srv)
	}
	start := clock().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
	ev := agenda.Event{ID: "webinar-jobs", Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Civic space", "es": "Espacio cívico"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Madrid", Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic,
		Status: agenda.StatusPublished, Languages: []string{"en", "es"}, Created: clock(), Updated: clock()}
	if _, _, err := st.CreateEvent(ctx, ev, agenda.Agenda{EventID: ev.ID}); err != nil {
		t.Fatal(err)
	}
	svc := registration.New(registration.Config{Now: clock}, st)
	f := registration.Form{Open: true, RetentionDays: 1, Questions: []registration.Question{}}
	if _, _, err := svc.PutForm(ctx, ev, f, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Register(ctx, ev.ID, registration.Request{Name: "Lucía", Email: "lucia@example.org", Language: "es"}); err != nil {
		t.Fatal(err)
	}
	now.Store(start.Add(-23 * time.Hour).UnixNano())
	var wg sync.WaitGroup
	for _, srv := range srvs {
		for range 3 {
			wg.Go(func() {
				if err := srv.RegistrationJobs(ctx); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	msgs := received(1)
	time.Sleep(500 * time.Millisecond) // a second copy would have arrived by now
	if msgs = received(1); len(msgs) != 1 {
		t.Fatalf("%d reminders, want 1", len(msgs))
	}
	subject, _, link := readMail(t, msgs[0])
	if !strings.Contains(subject, "Espacio cívico") || msgs[0].Header.Get("Content-Language") != "es" || link == "" {
		t.Fatalf("reminder %q (%s) link %q", subject, msgs[0].Header.Get("Content-Language"), link)
	}
	// Who answered a poll or voted a question is kept (one-way keys, apart
	// from the counts) until the retention passes; so is a room's whose
	// event is gone, until the next run.
	if _, err := st.AnswerPoll(ctx, ev.ID, "q-1", "voter-key", []int{0}, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AnswerPoll(ctx, "webinar-deleted", "p-1", "answer-key", []int{1}, 2); err != nil {
		t.Fatal(err)
	}
	answered := func(room, id, key string) bool {
		t.Helper()
		ok, err := st.PollAnswered(ctx, room, id, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if err := srvs[0].RegistrationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if !answered(ev.ID, "q-1", "voter-key") {
		t.Fatal("a vote's key was deleted before the retention passed")
	}
	if answered("webinar-deleted", "p-1", "answer-key") {
		t.Fatal("the answer key of an event that no longer exists was kept")
	}
	// Retention: a day after the end plus one, nothing is left but counts.
	now.Store(start.Add(49 * time.Hour).UnixNano())
	if err := srvs[1].RegistrationJobs(ctx); err != nil {
		t.Fatal(err)
	}
	if list, _ := st.ListRegistrations(ctx, ev.ID); len(list) != 0 {
		t.Fatalf("%d registrations after retention", len(list))
	}
	if answered(ev.ID, "q-1", "voter-key") {
		t.Fatal("a vote's key outlived the retention")
	}
	if tally, err := st.PollTally(ctx, ev.ID, "q-1", 1); err != nil || tally.Answers != 1 {
		t.Fatalf("the question's count after the retention: %+v %v", tally, err)
	}
}

// TestRegistrationCapacityOnTwoInstances: 50 people register at once
// through two server instances over one Redis for 20 places: exactly 20
// get one, the other 30 wait, in one arrival order.
func TestRegistrationCapacityOnTwoInstances(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	var urls []string
	var st *store.Redis
	for range 2 {
		s, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: "race-test:"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		st = s
		// Behind a load balancer (127.0.0.1): each person registers from
		// an address of their own, as the per-address limit counts for both
		// instances together.
		srv := server.New(server.Config{BaseURL: "https://majlis.example.org", TrustedProxies: []string{"127.0.0.1"}}, s, agenda.New(agenda.Config{}, s))
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		urls = append(urls, ts.URL)
	}
	start := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Hour)
	ev := agenda.Event{ID: "webinar-race", Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Race"}, Start: start, End: start.Add(time.Hour),
		TimeZone: "UTC", Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"en"},
		Created: time.Now(), Updated: time.Now()}
	if _, _, err := st.CreateEvent(ctx, ev, agenda.Agenda{EventID: ev.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := registration.New(registration.Config{}, st).PutForm(ctx, ev, registration.Form{Open: true, Capacity: 20}, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var placed, waiting atomic.Int32
	for i := range 50 {
		wg.Go(func() {
			body := fmt.Sprintf(`{"name":"Person %d","language":"en"}`, i)
			req, err := http.NewRequest(http.MethodPost, urls[i%2]+"/api/v1/events/"+ev.ID+"/registrations", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var rc struct{ Status string }
			if err := json.NewDecoder(res.Body).Decode(&rc); err != nil || res.StatusCode != http.StatusCreated {
				t.Errorf("register %d: %d %v", i, res.StatusCode, err)
				return
			}
			switch rc.Status {
			case "approved":
				placed.Add(1)
			case "waitlisted":
				waiting.Add(1)
			}
		})
	}
	wg.Wait()
	if placed.Load() != 20 || waiting.Load() != 30 {
		t.Fatalf("%d placed, %d waiting; want 20 and 30", placed.Load(), waiting.Load())
	}
	list, err := st.ListRegistrations(ctx, ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range list {
		if want := i < 20; r.Status.HoldsPlace() != want || r.Seq != int64(i+1) {
			t.Fatalf("arrival %d (seq %d) is %s", i+1, r.Seq, r.Status)
		}
	}
}
