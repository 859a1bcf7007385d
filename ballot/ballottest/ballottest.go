// Package ballottest is the conformance suite every ballot.Store
// implementation must pass (the embedded and the Redis store run the very
// same tests): versions, exactly one ballot per institution under
// concurrent casts, the cast's version precondition, and the secrecy
// contract on the stored bytes — no record holds an institution and a
// receipt together, and what is stored does not depend on the order of
// the casts.
//
// An Opener returns a fresh, empty store and a Dump of everything it
// holds; the suite closes nothing (register cleanups in the Opener).
package ballottest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// Dump returns every record a store holds, keyed by its name in the store
// (a Redis key, a bbolt bucket path and key), as the stored bytes.
type Dump func() map[string][]byte

// Opener returns a fresh, empty store for one test, and its Dump.
type Opener func(t *testing.T) (ballot.Store, Dump)

var ctx = context.Background()

const event = "ga-test"

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, o Opener)
	}{
		{"roll versions", testRoll},
		{"ballot versions and listing", testBallots},
		{"one secret ballot per institution, concurrently", testSecretOnce},
		{"a cast needs the ballot's version", testCastVersion},
		{"named votes replace, voters once", testNamed},
		{"secret records never hold an institution beside a receipt", testApart},
		{"stored bytes do not depend on the order of casts", testOrderFree},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o)
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

// roll returns a roll of n A-status institutions i001…, all present.
func roll(n int) ballot.Roll {
	var ins []institution.Institution
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("i%03d", i)
		ins = append(ins, institution.Institution{ID: id, Status: institution.StatusA, Delegates: []institution.Delegate{{Ref: "d-" + id}}})
	}
	r := ballot.NewRoll(event, ins)
	for _, m := range r.Members {
		r.Present = append(r.Present, m.Institution)
	}
	return r
}

func openBallot(id string, secret bool) ballot.Ballot {
	return ballot.Ballot{ID: id, Event: event, Kind: ballot.KindMotion, Secret: secret, State: ballot.StateOpen,
		Title: agenda.Text{"ar": "اعتماد الميزانية", "en": "Budget"}, Rules: ballot.Rules{Majority: ballot.MajoritySimple}}
}

// receipt returns a well-formed receipt code derived from i.
func receipt(i int) string {
	sum := sha256.Sum256([]byte(strconv.Itoa(i)))
	code, ok := ballot.NormalizeReceipt(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
	if !ok {
		panic("ballottest: receipt format changed")
	}
	return code
}

func mustPutBallot(t *testing.T, s ballot.Store, b ballot.Ballot) ballot.Ballot {
	t.Helper()
	out, err := s.PutBallot(ctx, b, 0)
	wantErr(t, "put ballot", err, nil)
	return out
}

func testRoll(t *testing.T, o Opener) {
	s, _ := o(t)
	_, err := s.GetRoll(ctx, event)
	wantErr(t, "get a missing roll", err, ballot.ErrNotFound)
	r, err := s.PutRoll(ctx, roll(3), 0)
	wantErr(t, "create roll", err, nil)
	if r.Version != 1 {
		t.Fatalf("version %d after create", r.Version)
	}
	_, err = s.PutRoll(ctx, roll(3), 0)
	wantErr(t, "create twice", err, ballot.ErrConflict)
	r.Proxies = []ballot.Proxy{{From: "i001", To: "i002"}}
	r.Present = r.Present[1:]
	r2, err := s.PutRoll(ctx, r, 1)
	wantErr(t, "update roll", err, nil)
	_, err = s.PutRoll(ctx, r, 1)
	wantErr(t, "stale update", err, ballot.ErrConflict)
	got, err := s.GetRoll(ctx, event)
	wantErr(t, "get roll", err, nil)
	if r2.Version != 2 || !reflect.DeepEqual(got, r2) {
		t.Fatalf("got %+v, want %+v", got, r2)
	}
}

func testBallots(t *testing.T, o Opener) {
	s, _ := o(t)
	_, err := s.GetBallot(ctx, "nope")
	wantErr(t, "get a missing ballot", err, ballot.ErrNotFound)
	b := openBallot("b-2", true)
	q := ballot.Quorum{}.Count(3, 2, 0)
	b.Opening = &q
	b = mustPutBallot(t, s, b)
	mustPutBallot(t, s, openBallot("b-1", false))
	other := openBallot("b-0", false)
	other.Event = "ga-other"
	mustPutBallot(t, s, other)
	_, err = s.PutBallot(ctx, openBallot("b-1", false), 0)
	wantErr(t, "create twice", err, ballot.ErrConflict)
	list, err := s.ListBallots(ctx, event)
	wantErr(t, "list", err, nil)
	if len(list) != 2 || list[0].ID != "b-1" || list[1].ID != "b-2" || !reflect.DeepEqual(list[1], b) {
		t.Fatalf("list %+v", list)
	}
	b.State = ballot.StateClosed
	v := ballot.Decide(b, q, nil)
	b.Verdict = &v
	b2, err := s.PutBallot(ctx, b, b.Version)
	wantErr(t, "close", err, nil)
	_, err = s.PutBallot(ctx, b, b.Version)
	wantErr(t, "stale close", err, ballot.ErrConflict)
	got, _ := s.GetBallot(ctx, "b-2")
	if !reflect.DeepEqual(got, b2) || b2.Version != 2 {
		t.Fatalf("got %+v, want %+v", got, b2)
	}
}

func testSecretOnce(t *testing.T, o Opener) {
	s, _ := o(t)
	b := mustPutBallot(t, s, openBallot("budget", true))
	const n = 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]int{}
	for i := 1; i <= n; i++ {
		inst := fmt.Sprintf("i%03d", i)
		for tab := range 2 {
			wg.Go(func() {
				err := s.CastSecret(ctx, b.ID, b.Version, inst, ballot.Paper{Receipt: receipt(i*2 + tab), Choice: ballot.Choice{Option: ballot.OptionYes}})
				switch {
				case err == nil:
					mu.Lock()
					acked[inst]++
					mu.Unlock()
				case !errors.Is(err, ballot.ErrAlreadyVoted):
					t.Errorf("%s: %v", inst, err)
				}
			})
		}
	}
	wg.Wait()
	papers, err := s.Papers(ctx, b.ID)
	wantErr(t, "papers", err, nil)
	voters, err := s.Voters(ctx, b.ID)
	wantErr(t, "voters", err, nil)
	if len(acked) != n || len(papers) != n || len(voters) != n {
		t.Fatalf("%d acknowledged, %d papers, %d voters; want %d", len(acked), len(papers), len(voters), n)
	}
	for inst, k := range acked {
		if k != 1 {
			t.Fatalf("%s acknowledged %d times", inst, k)
		}
	}
	if !slices.IsSorted(voters) || !slices.IsSortedFunc(papers, func(a, b ballot.Paper) int { return cmp(a.Receipt, b.Receipt) }) {
		t.Fatal("voters or papers not sorted")
	}
	got, _ := s.GetBallot(ctx, b.ID)
	if got.Version != b.Version {
		t.Fatalf("casting moved the ballot's version from %d to %d", b.Version, got.Version)
	}
}

func cmp(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testCastVersion(t *testing.T, o Opener) {
	s, dump := o(t)
	b := mustPutBallot(t, s, openBallot("budget", true))
	named := mustPutBallot(t, s, openBallot("report", false))
	b.State = ballot.StateClosed
	if _, err := s.PutBallot(ctx, b, b.Version); err != nil {
		t.Fatal(err)
	}
	named.State = ballot.StateClosed
	if _, err := s.PutBallot(ctx, named, named.Version); err != nil {
		t.Fatal(err)
	}
	before := dump()
	err := s.CastSecret(ctx, b.ID, b.Version, "i001", ballot.Paper{Receipt: receipt(1), Choice: ballot.Choice{Option: ballot.OptionNo}})
	wantErr(t, "secret cast on a stale version", err, ballot.ErrConflict)
	err = s.CastNamed(ctx, named.ID, named.Version, ballot.Vote{Institution: "i001", Choice: ballot.Choice{Option: ballot.OptionNo}})
	wantErr(t, "named cast on a stale version", err, ballot.ErrConflict)
	if !reflect.DeepEqual(before, dump()) {
		t.Fatal("a refused cast changed the stored bytes")
	}
}

func testNamed(t *testing.T, o Opener) {
	s, _ := o(t)
	b := mustPutBallot(t, s, openBallot("report", false))
	for _, v := range []ballot.Vote{
		{Institution: "i002", Choice: ballot.Choice{Option: ballot.OptionYes}},
		{Institution: "i001", Via: "i003", Choice: ballot.Choice{Option: ballot.OptionNo}},
		{Institution: "i002", Choice: ballot.Choice{Option: ballot.OptionAbstain}},
	} {
		wantErr(t, "named cast", s.CastNamed(ctx, b.ID, b.Version, v), nil)
	}
	votes, _ := s.Votes(ctx, b.ID)
	voters, _ := s.Voters(ctx, b.ID)
	want := []ballot.Vote{
		{Institution: "i001", Via: "i003", Choice: ballot.Choice{Option: ballot.OptionNo}},
		{Institution: "i002", Choice: ballot.Choice{Option: ballot.OptionAbstain}},
	}
	if !reflect.DeepEqual(votes, want) || !reflect.DeepEqual(voters, []string{"i001", "i002"}) {
		t.Fatalf("votes %+v, voters %v", votes, voters)
	}
}

// casts are the secret casts of the order tests: institution i's paper.
func casts(n int) ([]string, []ballot.Paper) {
	var ins []string
	var ps []ballot.Paper
	for i := 1; i <= n; i++ {
		ins = append(ins, fmt.Sprintf("i%03d", i))
		c := ballot.Choice{Option: []ballot.Option{ballot.OptionYes, ballot.OptionNo, ballot.OptionAbstain}[i%3]}
		ps = append(ps, ballot.Paper{Receipt: receipt(i), Choice: c})
	}
	return ins, ps
}

func testApart(t *testing.T, o Opener) {
	s, dump := o(t)
	if _, err := s.PutRoll(ctx, roll(40), 0); err != nil {
		t.Fatal(err)
	}
	b := mustPutBallot(t, s, openBallot("budget", true))
	ins, ps := casts(40)
	for i := range ins {
		wantErr(t, "cast", s.CastSecret(ctx, b.ID, b.Version, ins[i], ps[i]), nil)
	}
	for key, rec := range dump() {
		var hasInst, hasReceipt bool
		for i := range ins {
			hasInst = hasInst || bytes.Contains(rec, []byte(ins[i]))
			hasReceipt = hasReceipt || bytes.Contains(rec, []byte(ps[i].Receipt)) ||
				bytes.Contains(rec, []byte(stripHyphens(ps[i].Receipt)))
		}
		if hasInst && hasReceipt {
			t.Errorf("record %q holds institutions and receipts together", key)
		}
	}
}

func stripHyphens(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte("-"), nil)) }

func testOrderFree(t *testing.T, o Opener) {
	ins, ps := casts(40)
	run := func(order []int) map[string][]byte {
		s, dump := o(t)
		b := mustPutBallot(t, s, openBallot("budget", true))
		for _, i := range order {
			wantErr(t, "cast", s.CastSecret(ctx, b.ID, b.Version, ins[i], ps[i]), nil)
		}
		return dump()
	}
	forward := make([]int, len(ins))
	for i := range forward {
		forward[i] = i
	}
	backward := slices.Clone(forward)
	slices.Reverse(backward)
	shuffled := slices.Clone(forward)
	for i := range shuffled { // a fixed permutation: 7 is prime to 40
		shuffled[i] = (i * 7) % len(ins)
	}
	a, b, c := run(forward), run(backward), run(shuffled)
	for _, other := range []map[string][]byte{b, c} {
		if len(a) != len(other) {
			t.Fatalf("%d records against %d", len(a), len(other))
		}
		for k, v := range a {
			if !bytes.Equal(v, other[k]) {
				t.Errorf("record %q differs with the order of the casts: the order links voters to papers", k)
			}
		}
	}
}
