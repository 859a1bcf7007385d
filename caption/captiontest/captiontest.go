// Package captiontest is the conformance suite every caption.Store
// implementation must pass (the embedded and the Redis store run the very
// same tests): tokens (uniqueness, the per-event cap under concurrent
// creation, revocation scoped to the event), the ordering key, the
// sequence rule per (event, channel, token) — duplicates stored once,
// lower ones refused, also under concurrent appends — and the per-channel
// cap with its drop counter.
//
// An Opener returns a fresh, empty store; the suite closes nothing
// (register cleanups in the Opener).
package captiontest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/caption"
)

// Opener returns a fresh, empty store for one test.
type Opener func(t *testing.T) caption.Store

var ctx = context.Background()

// t0 is a fixed, millisecond-precise UTC time (stores keep milliseconds).
var t0 = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, s caption.Store)
	}{
		{"tokens: create, find by hash, list, revoke", testTokens},
		{"tokens: at most max per event, concurrently", testTokenCap},
		{"lines: the ordering key and the stored values", testAppend},
		{"lines: the sequence rule per event, channel and token", testSeq},
		{"lines: the cap drops the oldest and counts them", testCap},
		{"lines: one winner among concurrent duplicates", testConcurrentDuplicates},
		{"lines: concurrent sequences stay increasing", testConcurrentSeqs},
		{"delete: an event's lines, cursors and tokens only", testDelete},
		{"copies: answers do not alias the store", testCopies},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o(t))
		})
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", what, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func token(event, id string) caption.Token {
	return caption.Token{ID: id, Event: event, Channel: "fr", Label: "CART " + id,
		Hash:    caption.HashSecret("secret-" + event + "-" + id),
		Created: t0, Expires: t0.Add(24 * time.Hour)}
}

func line(event, channel, tok string, seq uint64) caption.Line {
	return caption.Line{Event: event, Channel: channel, Lang: "fr", Speaker: "Orateur",
		Text: fmt.Sprintf("ligne %d", seq), Token: tok, Seq: seq,
		Received: t0.Add(time.Duration(seq%100000) * time.Second)}
}

func sameToken(t *testing.T, what string, got, want caption.Token) {
	t.Helper()
	if !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("%s: times %v %v, want %v %v", what, got.Created, got.Expires, want.Created, want.Expires)
	}
	got.Created, got.Expires, want.Created, want.Expires = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

func sameLine(t *testing.T, what string, got, want caption.Line) {
	t.Helper()
	if !got.Received.Equal(want.Received) {
		t.Fatalf("%s: received %v, want %v", what, got.Received, want.Received)
	}
	got.Received, want.Received = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

func testTokens(t *testing.T, s caption.Store) {
	a, b := token("ev-one", "ctk_b"), token("ev-one", "ctk_a")
	b.Created = t0.Add(time.Second)
	other := token("ev-two", "ctk_c")
	for _, tok := range []caption.Token{a, b, other} {
		wantErr(t, "create "+tok.ID, s.CreateCaptionToken(ctx, tok, 10), nil)
	}
	dupID := token("ev-one", "ctk_a")
	dupID.Hash = caption.HashSecret("another")
	wantErr(t, "same ID", s.CreateCaptionToken(ctx, dupID, 10), caption.ErrConflict)
	dupHash := token("ev-one", "ctk_z")
	dupHash.Hash = a.Hash
	wantErr(t, "same hash", s.CreateCaptionToken(ctx, dupHash, 10), caption.ErrConflict)

	got, err := s.CaptionTokenByHash(ctx, a.Hash)
	wantErr(t, "by hash", err, nil)
	sameToken(t, "by hash", got, a)
	_, err = s.CaptionTokenByHash(ctx, caption.HashSecret("nobody"))
	wantErr(t, "unknown hash", err, caption.ErrNotFound)

	list, err := s.CaptionTokens(ctx, "ev-one")
	wantErr(t, "list", err, nil)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("list = %+v, want %s then %s (by creation)", list, a.ID, b.ID)
	}
	if list, _ := s.CaptionTokens(ctx, "ev-none"); len(list) != 0 {
		t.Fatalf("list of an event without tokens = %+v", list)
	}

	_, err = s.RevokeCaptionToken(ctx, "ev-two", a.ID)
	wantErr(t, "revoke through another event", err, caption.ErrNotFound)
	_, err = s.RevokeCaptionToken(ctx, "ev-one", "ctk_none")
	wantErr(t, "revoke unknown", err, caption.ErrNotFound)
	for i := range 2 {
		r, err := s.RevokeCaptionToken(ctx, "ev-one", a.ID)
		wantErr(t, fmt.Sprintf("revoke #%d", i+1), err, nil)
		if !r.Revoked || r.ID != a.ID {
			t.Fatalf("revoke #%d = %+v", i+1, r)
		}
	}
	got, _ = s.CaptionTokenByHash(ctx, a.Hash)
	if !got.Revoked {
		t.Fatalf("a revoked token reads back unrevoked: %+v", got)
	}
	got, _ = s.CaptionTokenByHash(ctx, b.Hash)
	if got.Revoked {
		t.Fatalf("revoking one token revoked another: %+v", got)
	}
}

func testTokenCap(t *testing.T, s caption.Store) {
	const max, tries = 5, 12
	var wg sync.WaitGroup
	errs := make([]error, tries)
	for i := range tries {
		wg.Go(func() { errs[i] = s.CreateCaptionToken(ctx, token("ev-cap", fmt.Sprintf("ctk_%02d", i)), max) })
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, caption.ErrTooManyTokens):
			t.Fatalf("create #%d: %v, want nil or ErrTooManyTokens", i, err)
		}
	}
	if ok != max {
		t.Fatalf("%d tokens created concurrently, want exactly %d", ok, max)
	}
	if list, _ := s.CaptionTokens(ctx, "ev-cap"); len(list) != max {
		t.Fatalf("%d tokens stored, want %d", len(list), max)
	}
	wantErr(t, "another event is not capped", s.CreateCaptionToken(ctx, token("ev-free", "ctk_x"), max), nil)
}

func testAppend(t *testing.T, s caption.Store) {
	var want []caption.Line
	for i := range 3 {
		l := line("ev-one", "fr", "ctk_a", uint64(10+i))
		l.Pos = 99 // ignored
		a, err := s.AppendCaption(ctx, l, 100)
		wantErr(t, "append", err, nil)
		l.Pos = uint64(i + 1)
		if a.Duplicate || a.Dropped != 0 {
			t.Fatalf("append #%d = %+v", i, a)
		}
		sameLine(t, fmt.Sprintf("appended #%d", i), a.Line, l)
		want = append(want, l)
	}
	// Another channel and another event have their own positions.
	for _, l := range []caption.Line{line("ev-one", "floor", "ctk_f", 1), line("ev-two", "fr", "ctk_a", 1)} {
		a, err := s.AppendCaption(ctx, l, 100)
		wantErr(t, "append elsewhere", err, nil)
		if a.Line.Pos != 1 {
			t.Fatalf("first line of %s/%s has pos %d, want 1", l.Event, l.Channel, a.Line.Pos)
		}
	}
	tr, err := s.Captions(ctx, "ev-one", "fr")
	wantErr(t, "captions", err, nil)
	if len(tr.Lines) != len(want) || tr.Dropped != 0 {
		t.Fatalf("captions = %+v, want %d lines", tr, len(want))
	}
	for i := range want {
		sameLine(t, fmt.Sprintf("line %d", i), tr.Lines[i], want[i])
	}
	empty, err := s.Captions(ctx, "ev-one", "es")
	wantErr(t, "unknown channel", err, nil)
	if len(empty.Lines) != 0 || empty.Dropped != 0 {
		t.Fatalf("unknown channel = %+v, want empty", empty)
	}
}

func testSeq(t *testing.T, s caption.Store) {
	steps := []struct {
		name    string
		tok     string
		channel string
		seq     uint64
		wantErr error
		dup     bool
		pos     uint64
	}{
		{"first seq may be 0", "ctk_a", "fr", 0, nil, false, 1},
		{"higher", "ctk_a", "fr", 5, nil, false, 2},
		{"same again is a duplicate of its pos", "ctk_a", "fr", 5, nil, true, 2},
		{"lower is refused", "ctk_a", "fr", 3, caption.ErrSeqOutOfOrder, false, 0},
		{"an earlier duplicate is lower", "ctk_a", "fr", 0, caption.ErrSeqOutOfOrder, false, 0},
		{"gaps are fine", "ctk_a", "fr", 9, nil, false, 3},
		{"another token has its own sequence", "ctk_b", "fr", 1, nil, false, 4},
		{"the first token's stays", "ctk_a", "fr", 8, caption.ErrSeqOutOfOrder, false, 0},
		{"another channel has its own", "ctk_a", "floor", 1, nil, false, 1},
		{"the largest seq", "ctk_a", "fr", caption.MaxSeq, nil, false, 5},
	}
	for _, st := range steps {
		a, err := s.AppendCaption(ctx, line("ev-seq", st.channel, st.tok, st.seq), 100)
		wantErr(t, st.name, err, st.wantErr)
		if st.wantErr != nil {
			continue
		}
		if a.Duplicate != st.dup || a.Line.Pos != st.pos {
			t.Fatalf("%s: got duplicate %v pos %d, want %v %d", st.name, a.Duplicate, a.Line.Pos, st.dup, st.pos)
		}
	}
	tr, _ := s.Captions(ctx, "ev-seq", "fr")
	if len(tr.Lines) != 5 {
		t.Fatalf("%d lines stored on fr, want 5 (no duplicate, no refused one)", len(tr.Lines))
	}
}

func testCap(t *testing.T, s caption.Store) {
	const max = 5
	for i := 1; i <= 8; i++ {
		a, err := s.AppendCaption(ctx, line("ev-cap", "fr", "ctk_a", uint64(i)), max)
		wantErr(t, "append", err, nil)
		want := uint64(0)
		if i > max {
			want = 1
		}
		if a.Dropped != want {
			t.Fatalf("append #%d dropped %d, want %d", i, a.Dropped, want)
		}
	}
	tr, err := s.Captions(ctx, "ev-cap", "fr")
	wantErr(t, "captions", err, nil)
	if tr.Dropped != 3 || len(tr.Lines) != max || tr.Lines[0].Pos != 4 || tr.Lines[max-1].Pos != 8 {
		t.Fatalf("after 8 appends with cap %d: dropped %d, %d lines (%+v), want 3 dropped, pos 4..8", max, tr.Dropped, len(tr.Lines), tr.Lines)
	}
	_, err = s.AppendCaption(ctx, line("ev-cap", "fr", "ctk_a", 2), max)
	wantErr(t, "the seq of a dropped line", err, caption.ErrSeqOutOfOrder)
	a, err := s.AppendCaption(ctx, line("ev-cap", "fr", "ctk_a", 8), max)
	wantErr(t, "duplicate after drops", err, nil)
	if !a.Duplicate || a.Line.Pos != 8 {
		t.Fatalf("duplicate after drops = %+v", a)
	}
}

func testConcurrentDuplicates(t *testing.T, s caption.Store) {
	const n = 16
	var wg sync.WaitGroup
	res := make([]caption.Appended, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { res[i], errs[i] = s.AppendCaption(ctx, line("ev-dup", "fr", "ctk_a", 7), 100) })
	}
	wg.Wait()
	stored := 0
	for i := range n {
		wantErr(t, "concurrent duplicate", errs[i], nil)
		if !res[i].Duplicate {
			stored++
		}
		if res[i].Line.Pos != 1 {
			t.Fatalf("answer %d has pos %d, want 1", i, res[i].Line.Pos)
		}
	}
	tr, _ := s.Captions(ctx, "ev-dup", "fr")
	if stored != 1 || len(tr.Lines) != 1 {
		t.Fatalf("%d answers say stored, %d lines stored; want exactly 1", stored, len(tr.Lines))
	}
}

func testConcurrentSeqs(t *testing.T, s caption.Store) {
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	res := make([]caption.Appended, n)
	for i := range n {
		wg.Go(func() { res[i], errs[i] = s.AppendCaption(ctx, line("ev-race", "fr", "ctk_a", uint64(i+1)), 100) })
	}
	wg.Wait()
	stored := 0
	for i := range n {
		switch {
		case errs[i] == nil && !res[i].Duplicate:
			stored++
		case errs[i] == nil:
			t.Fatalf("seq %d: a duplicate, but every seq was sent once", i+1)
		case !errors.Is(errs[i], caption.ErrSeqOutOfOrder):
			t.Fatalf("seq %d: %v, want nil or ErrSeqOutOfOrder", i+1, errs[i])
		}
	}
	tr, _ := s.Captions(ctx, "ev-race", "fr")
	if len(tr.Lines) != stored || stored == 0 {
		t.Fatalf("%d lines stored, %d answers say stored", len(tr.Lines), stored)
	}
	for i, l := range tr.Lines {
		if l.Pos != uint64(i+1) {
			t.Fatalf("line %d has pos %d: positions must be 1, 2, 3…", i, l.Pos)
		}
		if i > 0 && l.Seq <= tr.Lines[i-1].Seq {
			t.Fatalf("seq %d stored after seq %d: the sequence rule broke under concurrency", l.Seq, tr.Lines[i-1].Seq)
		}
	}
	if last := tr.Lines[len(tr.Lines)-1].Seq; errs[last-1] != nil {
		t.Fatalf("the last stored seq %d was answered %v", last, errs[last-1])
	}
}

func testDelete(t *testing.T, s caption.Store) {
	for _, ev := range []string{"ev-gone", "ev-kept"} {
		wantErr(t, "create", s.CreateCaptionToken(ctx, token(ev, "ctk_"+ev), 10), nil)
		for seq := uint64(1); seq <= 3; seq++ {
			_, err := s.AppendCaption(ctx, line(ev, "fr", "ctk_a", seq), 2)
			wantErr(t, "append", err, nil)
		}
	}
	wantErr(t, "delete", s.DeleteCaptions(ctx, "ev-gone"), nil)
	wantErr(t, "delete again", s.DeleteCaptions(ctx, "ev-gone"), nil)
	if tr, _ := s.Captions(ctx, "ev-gone", "fr"); len(tr.Lines) != 0 || tr.Dropped != 0 {
		t.Fatalf("deleted event still has %+v", tr)
	}
	if list, _ := s.CaptionTokens(ctx, "ev-gone"); len(list) != 0 {
		t.Fatalf("deleted event still has tokens %+v", list)
	}
	_, err := s.CaptionTokenByHash(ctx, token("ev-gone", "ctk_ev-gone").Hash)
	wantErr(t, "deleted token by hash", err, caption.ErrNotFound)
	a, err := s.AppendCaption(ctx, line("ev-gone", "fr", "ctk_a", 1), 2)
	wantErr(t, "a fresh sequence after deletion", err, nil)
	if a.Duplicate || a.Line.Pos != 1 {
		t.Fatalf("after deletion: %+v, want a stored line at pos 1", a)
	}
	if tr, _ := s.Captions(ctx, "ev-kept", "fr"); len(tr.Lines) != 2 || tr.Dropped != 1 {
		t.Fatalf("the other event lost captions: %+v", tr)
	}
	if list, _ := s.CaptionTokens(ctx, "ev-kept"); len(list) != 1 {
		t.Fatalf("the other event lost tokens: %+v", list)
	}
}

func testCopies(t *testing.T, s caption.Store) {
	_, err := s.AppendCaption(ctx, line("ev-copy", "fr", "ctk_a", 1), 10)
	wantErr(t, "append", err, nil)
	tr, _ := s.Captions(ctx, "ev-copy", "fr")
	tr.Lines[0].Text = "changed"
	tr.Lines = append(tr.Lines[:0], caption.Line{Text: "intruder"})
	again, _ := s.Captions(ctx, "ev-copy", "fr")
	if len(again.Lines) != 1 || again.Lines[0].Text != "ligne 1" {
		t.Fatalf("changing an answer changed the store: %+v", again)
	}
}
