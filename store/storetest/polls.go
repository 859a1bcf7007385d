package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/poll"
)

// testPolls runs poll.Store: prepared polls with versions, and answers
// once per key, atomic under concurrency.
func testPolls(t *testing.T, o Opener) {
	s := open(t, o)
	t.Run("prepared polls", func(t *testing.T) {
		empty, err := s.PreparedPolls(ctx, "ev-p")
		wantErr(t, "read none", err, nil)
		if empty.Version != 0 || len(empty.Polls) != 0 || empty.Polls == nil || empty.Event != "ev-p" {
			t.Fatalf("no polls read as %+v", empty)
		}
		p := poll.Poll{ID: "p1", Question: agenda.Text{"en": "Which network?", "ar": "أي شبكة؟"},
			Options: []agenda.Text{{"en": "Africa", "ar": "أفريقيا"}, {"en": "Europe", "ar": "أوروبا"}}, Multiple: true}
		put, err := s.PutPreparedPolls(ctx, poll.Set{Event: "ev-p", Polls: []poll.Poll{p}}, 0)
		wantErr(t, "create", err, nil)
		if put.Version != 1 {
			t.Fatalf("version %d, want 1", put.Version)
		}
		_, err = s.PutPreparedPolls(ctx, poll.Set{Event: "ev-p"}, 0)
		wantErr(t, "create again", err, poll.ErrConflict)
		_, err = s.PutPreparedPolls(ctx, poll.Set{Event: "ev-p"}, 7)
		wantErr(t, "stale version", err, poll.ErrConflict)
		_, err = s.PutPreparedPolls(ctx, poll.Set{Event: "ev-none"}, 3)
		wantErr(t, "version of nothing", err, poll.ErrConflict)
		got, err := s.PreparedPolls(ctx, "ev-p")
		wantErr(t, "read", err, nil)
		if got.Version != 1 || len(got.Polls) != 1 || got.Polls[0].Question["ar"] != "أي شبكة؟" || !got.Polls[0].Multiple {
			t.Fatalf("read back %+v", got)
		}
		two, err := s.PutPreparedPolls(ctx, poll.Set{Event: "ev-p", Polls: []poll.Poll{p, {ID: "p2", Question: agenda.Text{"en": "Q"},
			Options: []agenda.Text{{"en": "a"}, {"en": "b"}}}}}, 1)
		wantErr(t, "replace", err, nil)
		if two.Version != 2 || len(two.Polls) != 2 {
			t.Fatalf("replaced %+v", two)
		}
	})
	t.Run("answers once per key", func(t *testing.T) {
		tally, err := s.AnswerPoll(ctx, "room", "p1", "k-a", []int{0, 2}, 3)
		wantErr(t, "first", err, nil)
		if tally.Answers != 1 || !slices.Equal(tally.Counts, []int{1, 0, 1}) {
			t.Fatalf("tally %+v", tally)
		}
		_, err = s.AnswerPoll(ctx, "room", "p1", "k-a", []int{1}, 3)
		wantErr(t, "the same key again", err, poll.ErrAnswered)
		_, err = s.AnswerPoll(ctx, "room", "p1", "k-b", []int{3}, 3)
		wantErr(t, "no such option", err, poll.ErrInvalid)
		_, err = s.AnswerPoll(ctx, "room", "p1", "k-b", []int{1, 1}, 3)
		wantErr(t, "an option twice", err, poll.ErrInvalid)
		tally, err = s.AnswerPoll(ctx, "room", "p1", "k-b", []int{1}, 3)
		wantErr(t, "second person", err, nil)
		if tally.Answers != 2 || !slices.Equal(tally.Counts, []int{1, 1, 1}) {
			t.Fatalf("tally %+v", tally)
		}
		read, err := s.PollTally(ctx, "room", "p1", 3)
		wantErr(t, "tally", err, nil)
		if !slices.Equal(read.Counts, tally.Counts) || read.Answers != 2 {
			t.Fatalf("read tally %+v, want %+v", read, tally)
		}
		none, err := s.PollTally(ctx, "room", "p-none", 2)
		wantErr(t, "no answers", err, nil)
		if none.Answers != 0 || !slices.Equal(none.Counts, []int{0, 0}) {
			t.Fatalf("empty tally %+v", none)
		}
		for key, want := range map[string]bool{"k-a": true, "k-c": false} {
			got, err := s.PollAnswered(ctx, "room", "p1", key)
			wantErr(t, "answered", err, nil)
			if got != want {
				t.Fatalf("answered(%s) = %v", key, got)
			}
		}
		many, err := s.PollsAnswered(ctx, "room", map[string]string{"p1": "k-b", "p-none": "k-a", "p-race": "k-b"})
		wantErr(t, "answered among many", err, nil)
		if !slices.Equal(many, []string{"p1"}) {
			t.Fatalf("answered among many: %q", many)
		}
		empty, err := s.PollsAnswered(ctx, "room", nil)
		wantErr(t, "answered among none", err, nil)
		if empty == nil || len(empty) != 0 {
			t.Fatalf("answered among none: %q", empty)
		}
		final, err := s.ClosePoll(ctx, "room", "p1", 3)
		wantErr(t, "close", err, nil)
		if final.Answers != 2 || !slices.Equal(final.Counts, []int{1, 1, 1}) {
			t.Fatalf("final tally %+v", final)
		}
		_, err = s.AnswerPoll(ctx, "room", "p1", "k-c", []int{0}, 3)
		wantErr(t, "answer after the close", err, poll.ErrClosed)
		again, err := s.ClosePoll(ctx, "room", "p1", 3)
		wantErr(t, "close again", err, nil)
		read, err = s.PollTally(ctx, "room", "p1", 3)
		wantErr(t, "tally after the close", err, nil)
		if again.Answers != 2 || read.Answers != 2 || !slices.Equal(read.Counts, final.Counts) {
			t.Fatalf("after the close: %+v, %+v", again, read)
		}
		other, err := s.AnswerPoll(ctx, "room-2", "p1", "k-a", []int{0}, 3)
		wantErr(t, "same key in another room", err, nil)
		if other.Answers != 1 {
			t.Fatalf("another room's tally %+v", other)
		}
	})
	t.Run("concurrent answers of one key count once", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 40)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k-%d", i%10) // each key four times
				_, errs[i] = s.AnswerPoll(ctx, "room", "p-race", key, []int{i % 2}, 2)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				wantErr(t, "a repeat", err, poll.ErrAnswered)
			}
		}
		tally, err := s.PollTally(ctx, "room", "p-race", 2)
		wantErr(t, "tally", err, nil)
		if ok != 10 || tally.Answers != 10 || tally.Counts[0]+tally.Counts[1] != 10 {
			t.Fatalf("%d accepted, tally %+v: want 10", ok, tally)
		}
	})
	t.Run("answer keys forgotten", func(t *testing.T) {
		// Rooms whose names are prefixes or patterns of each other.
		for _, a := range []struct{ room, poll, key string }{
			{"ev-1", "p1", "k1"}, {"ev-1", "p1", "k2"}, {"ev-1", "q-7", "k1"},
			{"ev-10", "p1", "k1"}, {"ev-?", "p1", "k1"},
		} {
			_, err := s.AnswerPoll(ctx, a.room, a.poll, a.key, []int{0}, 2)
			wantErr(t, "answer "+a.room, err, nil)
		}
		rooms, err := s.AnswerRooms(ctx)
		wantErr(t, "rooms", err, nil)
		for _, want := range []string{"ev-1", "ev-10", "ev-?"} {
			if !slices.Contains(rooms, want) {
				t.Fatalf("rooms with answers %q, want %q among them", rooms, want)
			}
		}
		n, err := s.ForgetAnswerKeys(ctx, "ev-?")
		wantErr(t, "forget ev-?", err, nil)
		if n != 1 {
			t.Fatalf("forgot %d keys of ev-?, want 1 (a room's name is not a pattern)", n)
		}
		n, err = s.ForgetAnswerKeys(ctx, "ev-1")
		wantErr(t, "forget ev-1", err, nil)
		if n != 3 {
			t.Fatalf("forgot %d keys of ev-1, want 3", n)
		}
		for _, a := range []struct {
			room, poll, key string
			answered        bool
		}{{"ev-1", "p1", "k1", false}, {"ev-1", "p1", "k2", false}, {"ev-1", "q-7", "k1", false}, {"ev-10", "p1", "k1", true}} {
			got, err := s.PollAnswered(ctx, a.room, a.poll, a.key)
			wantErr(t, "answered", err, nil)
			if got != a.answered {
				t.Fatalf("%s %s %s answered: %v, want %v", a.room, a.poll, a.key, got, a.answered)
			}
		}
		tally, err := s.PollTally(ctx, "ev-1", "p1", 2)
		wantErr(t, "tally", err, nil)
		if tally.Answers != 2 || tally.Counts[0] != 2 {
			t.Fatalf("the counts went with the keys: %+v", tally)
		}
		rooms, err = s.AnswerRooms(ctx)
		wantErr(t, "rooms after", err, nil)
		if slices.Contains(rooms, "ev-1") || slices.Contains(rooms, "ev-?") || !slices.Contains(rooms, "ev-10") {
			t.Fatalf("rooms with answers after forgetting: %q", rooms)
		}
		n, err = s.ForgetAnswerKeys(ctx, "ev-1")
		wantErr(t, "forget again", err, nil)
		if n != 0 {
			t.Fatalf("forgot %d keys the second time", n)
		}
		_, err = s.ForgetAnswerKeys(ctx, "")
		wantErr(t, "forget no room", err, poll.ErrInvalid)
	})
}
