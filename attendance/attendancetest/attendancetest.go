// Package attendancetest is the conformance suite every attendance.Store
// implementation must pass (the embedded and the Redis store run the very
// same tests): arrivals create visits and changes never bring back a
// forgotten one; beats keep the latest per instance; two instances
// writing one event concurrently lose nothing; forget removes one
// person's visits only; purge removes one event only; what was written
// is there after the store is opened again.
//
// An Opener returns a fresh, empty store; the suite closes nothing
// (register cleanups in the Opener).
package attendancetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/attendance"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t *testing.T) attendance.Store

var ctx = context.Background()

// t0 is a fixed, millisecond-precise UTC time (stores keep milliseconds).
var t0 = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s attendance.Store)
	}{
		{"arrivals, changes, leaves, beats", testRecord},
		{"a change never brings back a forgotten visit", testForgottenStaysForgotten},
		{"two instances write one event concurrently", testConcurrent},
		{"forget removes one person's visits only", testForget},
		{"purge removes one event only", testPurge},
		{"invalid visits are refused, nothing stored", testInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o(t))
		})
	}
}

// RunReopen checks that visits and beats survive closing and opening the
// store again: reopen must open the same data that the first store did,
// after close closed it.
func RunReopen(t *testing.T, s attendance.Store, close func(), reopen func() attendance.Store) {
	v := visit("ev-r", "m-1", "registrant:r_1", "i-a", t0)
	v.Channels = []string{"floor", "fr"}
	mustRecord(t, s, attendance.Batch{Arrived: []attendance.Visit{v}, Beats: []attendance.Beat{{Event: "ev-r", Instance: "i-a", At: t0.Add(time.Minute)}}})
	close()
	got := mustLog(t, reopen(), "ev-r")
	want := attendance.Log{Visits: []attendance.Visit{v}, Beats: map[string]time.Time{"i-a": t0.Add(time.Minute)}}
	check(t, "after reopen", got, want)
}

func visit(event, id, person, instance string, joined time.Time) attendance.Visit {
	return attendance.Visit{Event: event, ID: id, Person: person, Name: "Samira (pseudonym) — سميرة", Role: "participant",
		Instance: instance, Joined: joined, Channels: []string{"floor"}}
}

func mustRecord(t *testing.T, s attendance.Store, b attendance.Batch) {
	t.Helper()
	if err := s.RecordVisits(ctx, b); err != nil {
		t.Fatal(err)
	}
}

func mustLog(t *testing.T, s attendance.Store, event string) attendance.Log {
	t.Helper()
	l, err := s.Visits(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// check compares logs, times by Equal.
func check(t *testing.T, what string, got, want attendance.Log) {
	t.Helper()
	if len(got.Visits) != len(want.Visits) {
		t.Fatalf("%s: %d visits, want %d:\n%+v", what, len(got.Visits), len(want.Visits), got.Visits)
	}
	for i := range want.Visits {
		g, w := got.Visits[i], want.Visits[i]
		if !g.Joined.Equal(w.Joined) || !g.Left.Equal(w.Left) {
			t.Fatalf("%s: visit %d times %v–%v, want %v–%v", what, i, g.Joined, g.Left, w.Joined, w.Left)
		}
		g.Joined, g.Left, w.Joined, w.Left = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s: visit %d\n got %+v\nwant %+v", what, i, g, w)
		}
	}
	if len(got.Beats) != len(want.Beats) {
		t.Fatalf("%s: beats %v, want %v", what, got.Beats, want.Beats)
	}
	for k, w := range want.Beats {
		if g, ok := got.Beats[k]; !ok || !g.Equal(w) {
			t.Fatalf("%s: beat of %s %v, want %v", what, k, g, w)
		}
	}
}

func testRecord(t *testing.T, s attendance.Store) {
	if l := mustLog(t, s, "ev"); len(l.Visits) != 0 || len(l.Beats) != 0 {
		t.Fatalf("an empty store's log: %+v", l)
	}
	a := visit("ev", "m-2", "registrant:r_1", "i-a", t0.Add(time.Minute))
	b := visit("ev", "m-1", "anonymous:a_1", "i-b", t0)
	mustRecord(t, s, attendance.Batch{Arrived: []attendance.Visit{a, b},
		Beats: []attendance.Beat{{Event: "ev", Instance: "i-a", At: t0.Add(2 * time.Minute)}}})
	// Changed: a new channel; then a leave; a beat older than the stored
	// one changes nothing.
	a.Channels = append(a.Channels, "ar")
	mustRecord(t, s, attendance.Batch{Changed: []attendance.Visit{a},
		Beats: []attendance.Beat{{Event: "ev", Instance: "i-a", At: t0.Add(time.Minute)}, {Event: "ev", Instance: "i-b", At: t0.Add(3 * time.Minute)}}})
	a.Left = t0.Add(40 * time.Minute)
	mustRecord(t, s, attendance.Batch{Changed: []attendance.Visit{a}})
	check(t, "recorded", mustLog(t, s, "ev"), attendance.Log{Visits: []attendance.Visit{b, a},
		Beats: map[string]time.Time{"i-a": t0.Add(2 * time.Minute), "i-b": t0.Add(3 * time.Minute)}})
	evs, err := s.VisitEvents(ctx)
	if err != nil || !reflect.DeepEqual(evs, []string{"ev"}) {
		t.Fatalf("events: %v %v", evs, err)
	}
	// Returned values are copies.
	l := mustLog(t, s, "ev")
	l.Visits[0].Channels[0] = "changed"
	if mustLog(t, s, "ev").Visits[0].Channels[0] != "floor" {
		t.Fatal("a returned visit shares the stored one's channels")
	}
}

func testForgottenStaysForgotten(t *testing.T, s attendance.Store) {
	a := visit("ev", "m-1", "registrant:r_1", "i-a", t0)
	mustRecord(t, s, attendance.Batch{Arrived: []attendance.Visit{a}})
	if n, err := s.ForgetVisits(ctx, "ev", "registrant:r_1"); err != nil || n != 1 {
		t.Fatalf("forget: %d %v", n, err)
	}
	a.Left = t0.Add(time.Hour)
	mustRecord(t, s, attendance.Batch{Changed: []attendance.Visit{a}})
	if l := mustLog(t, s, "ev"); len(l.Visits) != 0 {
		t.Fatalf("a leave brought back a forgotten visit: %+v", l.Visits)
	}
}

func testConcurrent(t *testing.T, s attendance.Store) {
	const per = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*per)
	for _, inst := range []string{"i-a", "i-b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				v := visit("ev", fmt.Sprintf("m-%s-%03d", inst, i), fmt.Sprintf("invite:%d", i), inst, t0.Add(time.Duration(i)*time.Second))
				if err := s.RecordVisits(ctx, attendance.Batch{Arrived: []attendance.Visit{v},
					Beats: []attendance.Beat{{Event: "ev", Instance: inst, At: v.Joined}}}); err != nil {
					errs <- err
					return
				}
				v.Left = v.Joined.Add(time.Minute)
				if err := s.RecordVisits(ctx, attendance.Batch{Changed: []attendance.Visit{v}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	l := mustLog(t, s, "ev")
	if len(l.Visits) != 2*per {
		t.Fatalf("%d visits, want %d", len(l.Visits), 2*per)
	}
	for i, v := range l.Visits {
		if v.Left.IsZero() {
			t.Fatalf("visit %s lost its leave", v.ID)
		}
		if i > 0 && v.Joined.Before(l.Visits[i-1].Joined) {
			t.Fatalf("visits out of order at %d", i)
		}
	}
	last := t0.Add((per - 1) * time.Second)
	if !l.Beats["i-a"].Equal(last) || !l.Beats["i-b"].Equal(last) {
		t.Fatalf("beats %v, want both %v", l.Beats, last)
	}
}

func testForget(t *testing.T, s attendance.Store) {
	mine := []attendance.Visit{visit("ev", "m-1", "registrant:r_1", "i-a", t0), visit("ev", "m-3", "registrant:r_1", "i-b", t0.Add(time.Minute))}
	other := visit("ev", "m-2", "registrant:r_2", "i-a", t0)
	elsewhere := visit("ev2", "m-4", "registrant:r_1", "i-a", t0)
	mustRecord(t, s, attendance.Batch{Arrived: append(mine, other, elsewhere)})
	n, err := s.ForgetVisits(ctx, "ev", "registrant:r_1")
	if err != nil || n != 2 {
		t.Fatalf("forget: %d %v, want 2", n, err)
	}
	check(t, "after forget", mustLog(t, s, "ev"), attendance.Log{Visits: []attendance.Visit{other}, Beats: map[string]time.Time{}})
	check(t, "another event", mustLog(t, s, "ev2"), attendance.Log{Visits: []attendance.Visit{elsewhere}, Beats: map[string]time.Time{}})
	if n, err := s.ForgetVisits(ctx, "ev", "registrant:r_1"); err != nil || n != 0 {
		t.Fatalf("forget again: %d %v", n, err)
	}
}

func testPurge(t *testing.T, s attendance.Store) {
	a, b := visit("ev", "m-1", "invite:1", "i-a", t0), visit("ev2", "m-2", "invite:1", "i-a", t0)
	mustRecord(t, s, attendance.Batch{Arrived: []attendance.Visit{a, b},
		Beats: []attendance.Beat{{Event: "ev", Instance: "i-a", At: t0}, {Event: "ev2", Instance: "i-a", At: t0}}})
	n, err := s.PurgeVisits(ctx, "ev")
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if l := mustLog(t, s, "ev"); len(l.Visits) != 0 || len(l.Beats) != 0 {
		t.Fatalf("after purge: %+v", l)
	}
	check(t, "the other event", mustLog(t, s, "ev2"), attendance.Log{Visits: []attendance.Visit{b}, Beats: map[string]time.Time{"i-a": t0}})
	evs, err := s.VisitEvents(ctx)
	if err != nil || !reflect.DeepEqual(evs, []string{"ev2"}) {
		t.Fatalf("events after purge: %v %v", evs, err)
	}
	if n, err := s.PurgeVisits(ctx, "ev"); err != nil || n != 0 {
		t.Fatalf("purge again: %d %v", n, err)
	}
}

func testInvalid(t *testing.T, s attendance.Store) {
	good := visit("ev", "m-1", "invite:1", "i-a", t0)
	for _, bad := range []attendance.Visit{
		visit("", "m-2", "invite:1", "i-a", t0), visit("ev", "", "invite:1", "i-a", t0),
		visit("ev", "m-2", "", "i-a", t0), visit("ev", "m-\x002", "invite:1", "i-a", t0),
	} {
		err := s.RecordVisits(ctx, attendance.Batch{Arrived: []attendance.Visit{good, bad}})
		if !errors.Is(err, attendance.ErrInvalid) {
			t.Fatalf("visit %+v: %v, want ErrInvalid", bad, err)
		}
	}
	if l := mustLog(t, s, "ev"); len(l.Visits) != 0 {
		t.Fatalf("a refused batch stored %+v", l.Visits)
	}
}
