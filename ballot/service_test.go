package ballot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
)

var ctx = context.Background()

const event = "ga-2021"

// seeded is a deterministic source of receipt codes.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	return rand.NewChaCha8(s)
}

// assembly returns a Service over a fresh store holding the roll of a
// assembly of a A-status and b B-status institutions, the first presentA
// A-status and every B-status institution present.
func assembly(t testing.TB, a, b, presentA int) (*ballot.Service, *memStore) {
	t.Helper()
	st := newMemStore()
	svc := ballot.New(ballot.Config{Rand: seeded(1)}, st)
	r := ballot.NewRoll(event, registry(a, b))
	for i := 1; i <= presentA; i++ {
		present(&r, fmt.Sprintf("a%03d", i))
	}
	for i := 1; i <= b; i++ {
		present(&r, fmt.Sprintf("b%03d", i))
	}
	if _, err := svc.PutRoll(ctx, r, 0); err != nil {
		t.Fatalf("roll: %v", err)
	}
	return svc, st
}

func prepared(t testing.TB, svc *ballot.Service, b ballot.Ballot) ballot.Ballot {
	t.Helper()
	out, err := svc.Prepare(ctx, b)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	return out
}

func opened(t testing.TB, svc *ballot.Service, b ballot.Ballot) ballot.Ballot {
	t.Helper()
	prepared(t, svc, b)
	out, err := svc.Open(ctx, b.ID)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return out
}

func secretMotion(id string) ballot.Ballot {
	b := motion(ballot.MajorityTwoThirdsCast, ballot.AbstentionsCast)
	b.ID, b.Event, b.Secret = id, event, true
	b.Text = agenda.Text{"en": "The General Assembly adopts the 2021 work plan and budget."}
	return b
}

func yes() ballot.Choice { return ballot.Choice{Option: ballot.OptionYes} }
func no() ballot.Choice  { return ballot.Choice{Option: ballot.OptionNo} }

func TestQuorumAtOpen(t *testing.T) {
	svc, st := assembly(t, 90, 30, 45)
	prepared(t, svc, secretMotion("budget"))
	before := st.dump()
	_, err := svc.Open(ctx, "budget")
	if !errors.Is(err, ballot.ErrNoQuorum) || ballot.CodeOf(err) != "no_quorum" {
		t.Fatalf("45 of 90 present: want ErrNoQuorum, got %v", err)
	}
	if !reflect.DeepEqual(before, st.dump()) {
		t.Fatal("a refused open changed the store")
	}
	if _, err := svc.MarkPresent(ctx, event, "a046", true); err != nil {
		t.Fatal(err)
	}
	b, err := svc.Open(ctx, "budget")
	if err != nil || b.State != ballot.StateOpen || b.Opening.Counted != 46 || b.Opening.Needed != 46 {
		t.Fatalf("46 of 90 present: %v %+v", err, b.Opening)
	}
	if _, err := svc.Open(ctx, "budget"); !errors.Is(err, ballot.ErrState) {
		t.Fatalf("second open: %v", err)
	}
}

func TestQuorumAtClose(t *testing.T) {
	svc, _ := assembly(t, 90, 30, 46)
	opened(t, svc, secretMotion("budget"))
	for i := 1; i <= 46; i++ {
		inst := fmt.Sprintf("a%03d", i)
		if _, err := svc.Cast(ctx, "budget", "d-"+inst, inst, yes()); err != nil {
			t.Fatalf("cast %s: %v", inst, err)
		}
	}
	if _, err := svc.MarkPresent(ctx, event, "a046", false); err != nil {
		t.Fatal(err)
	}
	b, err := svc.Close(ctx, "budget")
	if err != nil || b.Verdict.Outcome != ballot.OutcomeNoQuorum || b.Verdict.Quorum.Counted != 45 || b.Verdict.Tally.Yes != 46 {
		t.Fatalf("close: %v %+v", err, b.Verdict)
	}
}

// TestRefusedCastsRecordNothing: every refusal the issue lists leaves the
// stored bytes as they were, and says why with a stable code.
func TestRefusedCastsRecordNothing(t *testing.T) {
	svc, st := assembly(t, 10, 2, 10)
	r, _ := svc.Roll(ctx, event)
	if _, err := svc.MarkPresent(ctx, event, "a010", false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantProxy(ctx, event, "a010", "a009"); err != nil {
		t.Fatal(err)
	}
	_ = r
	opened(t, svc, secretMotion("report"))
	if _, err := svc.Cast(ctx, "report", "d-a001", "a001", yes()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, person, inst string
		choice             ballot.Choice
		code               ballot.Code
	}{
		{"B-status delegate", "d-b001", "b001", yes(), "not_eligible"},
		{"observer", "observer-7", "a002", yes(), "not_eligible"},
		{"interpreter", "interp-ar-1", "a002", yes(), "not_eligible"},
		{"delegate of another institution", "d-a003", "a002", yes(), "wrong_institution"},
		{"second ballot", "x-a001", "a001", no(), "already_voted"},
		{"giver of a proxy", "d-a010", "a010", yes(), "wrong_institution"},
		{"not an option", "d-a002", "a002", ballot.Choice{Option: "maybe"}, "invalid"},
		{"candidates in a motion", "d-a002", "a002", ballot.Choice{Candidates: []string{"aaa"}}, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := st.dump()
			_, err := svc.Cast(ctx, "report", tt.person, tt.inst, tt.choice)
			if ballot.CodeOf(err) != tt.code {
				t.Fatalf("got %v (code %q), want code %q", err, ballot.CodeOf(err), tt.code)
			}
			if !reflect.DeepEqual(before, st.dump()) {
				t.Fatal("a refused cast changed the store")
			}
		})
	}
	if rc, err := svc.Cast(ctx, "report", "d-a009", "a010", no()); err != nil || rc.Via != "a009" {
		t.Fatalf("proxy cast: %v %+v", err, rc)
	}
	if _, err := svc.Close(ctx, "report"); err != nil {
		t.Fatal(err)
	}
	t.Run("after the close", func(t *testing.T) {
		before := st.dump()
		_, err := svc.Cast(ctx, "report", "d-a002", "a002", yes())
		if ballot.CodeOf(err) != "ballot_closed" || !reflect.DeepEqual(before, st.dump()) {
			t.Fatalf("cast after close: %v", err)
		}
	})
	t.Run("proxy over the cap", func(t *testing.T) {
		before := st.dump()
		_, err := svc.GrantProxy(ctx, event, "a008", "a009")
		if ballot.CodeOf(err) != "proxy_over_cap" || !reflect.DeepEqual(before, st.dump()) {
			t.Fatalf("proxy over cap: %v", err)
		}
	})
	t.Run("proxy to a B-status institution", func(t *testing.T) {
		before := st.dump()
		_, err := svc.GrantProxy(ctx, event, "a008", "b001")
		if ballot.CodeOf(err) != "proxy_not_a_status" || !reflect.DeepEqual(before, st.dump()) {
			t.Fatalf("proxy to B: %v", err)
		}
	})
}

func TestNamedBallotChangesUntilClose(t *testing.T) {
	svc, _ := assembly(t, 3, 0, 3)
	b := motion(ballot.MajoritySimple, "")
	b.ID, b.Event = "report", event
	opened(t, svc, b)
	for _, c := range []ballot.Choice{yes(), no(), {Option: ballot.OptionAbstain}} {
		if _, err := svc.Cast(ctx, "report", "d-a001", "a001", c); err != nil {
			t.Fatalf("named cast %v: %v", c, err)
		}
	}
	if _, err := svc.Cast(ctx, "report", "x-a002", "a002", yes()); err != nil {
		t.Fatal(err)
	}
	if tu, _ := svc.Turnout(ctx, "report"); tu.Voted != 2 || tu.Eligible != 3 {
		t.Fatalf("turnout %+v", tu)
	}
	if _, err := svc.Results(ctx, "report"); !errors.Is(err, ballot.ErrNotClosed) {
		t.Fatalf("results while open: %v", err)
	}
	if _, err := svc.Close(ctx, "report"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Results(ctx, "report")
	if err != nil {
		t.Fatal(err)
	}
	want := []ballot.Vote{{Institution: "a001", Choice: ballot.Choice{Option: ballot.OptionAbstain}}, {Institution: "a002", Choice: yes()}}
	if !reflect.DeepEqual(res.Votes, want) || res.Papers != nil || res.Ballot.Verdict.Outcome != ballot.OutcomeAdopted {
		t.Fatalf("results %+v", res)
	}
	if _, err := svc.Verify(ctx, "report", "AAAA"); !errors.Is(err, ballot.ErrForgedReceipt) {
		t.Fatalf("verify on a named ballot: %v", err)
	}
}

func TestElectionBallot(t *testing.T) {
	svc, _ := assembly(t, 5, 0, 5)
	b := election(2, "cand-a", "cand-b", "cand-c")
	b.Event, b.ID, b.Secret = event, "bureau", true
	opened(t, svc, b)
	casts := map[string]ballot.Choice{
		"a001": {Candidates: []string{"cand-b", "cand-a"}},
		"a002": {Candidates: []string{"cand-a"}},
		"a003": {Candidates: []string{"cand-c", "cand-b"}},
		"a004": {Option: ballot.OptionAbstain},
	}
	for inst, c := range casts {
		rc, err := svc.Cast(ctx, "bureau", "d-"+inst, inst, c)
		if err != nil {
			t.Fatalf("%s: %v", inst, err)
		}
		if !slices.IsSorted(rc.Choice.Candidates) {
			t.Fatalf("stored choice keeps click order: %v", rc.Choice)
		}
	}
	for _, bad := range []ballot.Choice{
		{Candidates: []string{"cand-a", "cand-b", "cand-c"}},
		{Candidates: []string{"cand-a", "cand-a"}},
		{Candidates: []string{"nobody"}},
		{Option: ballot.OptionYes},
		{},
	} {
		if _, err := svc.Cast(ctx, "bureau", "d-a005", "a005", bad); !errors.Is(err, ballot.ErrInvalid) {
			t.Errorf("choice %+v: %v", bad, err)
		}
	}
	out, err := svc.Close(ctx, "bureau")
	if err != nil {
		t.Fatal(err)
	}
	v := out.Verdict
	// cand-a 2, cand-b 2, cand-c 1: a and b elected.
	if v.Outcome != ballot.OutcomeElected || !reflect.DeepEqual(v.Elected, []string{"cand-a", "cand-b"}) || v.Tally.Abstain != 1 || v.Tally.Papers != 4 {
		t.Fatalf("verdict %+v", v)
	}
}

func TestPrepareValidates(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*ballot.Ballot)
		field string
	}{
		{"no title", func(b *ballot.Ballot) { b.Title = nil }, "title"},
		{"bad id", func(b *ballot.Ballot) { b.ID = "X" }, "id"},
		{"bad kind", func(b *ballot.Ballot) { b.Kind = "referendum" }, "kind"},
		{"unknown majority", func(b *ballot.Ballot) { b.Rules.Majority = "three-quarters" }, "rules.majority"},
		{"unknown abstentions", func(b *ballot.Ballot) { b.Rules.Abstentions = "double" }, "rules.abstentions"},
		{"quorum number missing", func(b *ballot.Ballot) { b.Rules.Quorum.Rule = ballot.QuorumNumber }, "rules.quorum.number"},
		{"unknown quorum", func(b *ballot.Ballot) { b.Rules.Quorum.Rule = "most" }, "rules.quorum.rule"},
		{"seats in a motion", func(b *ballot.Ballot) { b.Seats = 2 }, "seats"},
		{"text in an unknown language", func(b *ballot.Ballot) { b.Text = agenda.Text{"de": "Antrag"} }, "text.de"},
		{"long title", func(b *ballot.Ballot) { b.Title = agenda.Text{"ar": strings.Repeat("ب", ballot.MaxTitleRunes+1)} }, "title.ar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc, _ := assembly(t, 1, 0, 1)
			b := secretMotion("m-1")
			tt.edit(&b)
			_, err := svc.Prepare(ctx, b)
			var ve *ballot.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
				t.Fatalf("want a problem with %s, got %v", tt.field, err)
			}
		})
	}
	svc, _ := assembly(t, 1, 0, 1)
	e := election(4, "aaa", "bbb")
	e.Event = event
	_, err := svc.Prepare(ctx, e)
	var ve *ballot.ValidationError
	if !errors.As(err, &ve) || ve.Fields["seats"] == "" {
		t.Fatalf("more seats than candidates: %v", err)
	}
	b := prepared(t, svc, secretMotion("m-2"))
	if b.Rules.Quorum.Rule != ballot.QuorumMembersMajority || b.Rules.Abstentions != ballot.AbstentionsCast {
		t.Fatalf("defaults not made explicit: %+v", b.Rules)
	}
	b.Title = agenda.Text{"fr": "Motion"}
	if _, err := svc.Edit(ctx, b, b.Version); err != nil {
		t.Fatalf("edit a draft: %v", err)
	}
	if _, err := svc.Open(ctx, "m-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Edit(ctx, b, 2); !errors.Is(err, ballot.ErrState) {
		t.Fatalf("edit an open ballot: %v", err)
	}
}

// TestReceipts: a voter finds their paper after the close by its code, in
// any spelling; a made-up or malformed code is refused; nothing before
// the close.
func TestReceipts(t *testing.T) {
	svc, _ := assembly(t, 5, 0, 5)
	opened(t, svc, secretMotion("budget"))
	rcs := map[string]ballot.Receipt{}
	for i, c := range []ballot.Choice{yes(), no(), yes(), {Option: ballot.OptionAbstain}} {
		inst := fmt.Sprintf("a%03d", i+1)
		rc, err := svc.Cast(ctx, "budget", "d-"+inst, inst, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := ballot.NormalizeReceipt(rc.Code); !ok || len(rc.Code) != 29 {
			t.Fatalf("receipt code %q", rc.Code)
		}
		rcs[inst] = rc
	}
	if _, err := svc.Verify(ctx, "budget", rcs["a001"].Code); !errors.Is(err, ballot.ErrNotClosed) {
		t.Fatalf("verify while open: %v", err)
	}
	if _, err := svc.Close(ctx, "budget"); err != nil {
		t.Fatal(err)
	}
	for inst, rc := range rcs {
		spelled := strings.ToLower(strings.ReplaceAll(rc.Code, "-", " "))
		p, err := svc.Verify(ctx, "budget", spelled)
		if err != nil || !reflect.DeepEqual(p.Choice, rc.Choice) || p.Receipt != rc.Code {
			t.Fatalf("%s verifies %q: %v %+v", inst, spelled, err, p)
		}
	}
	forged, _ := ballot.NormalizeReceipt("AAAAAAAAAAAAAAAAAAAAAAAA")
	for _, code := range []string{forged, "", "not a receipt", rcs["a001"].Code + "A", strings.Repeat("A", 100)} {
		if _, err := svc.Verify(ctx, "budget", code); ballot.CodeOf(err) != "forged_receipt" {
			t.Errorf("code %q: %v", code, err)
		}
	}
	res, err := svc.Results(ctx, "budget")
	if err != nil || len(res.Papers) != 4 || !slices.IsSortedFunc(res.Papers, func(a, b ballot.Paper) int { return strings.Compare(a.Receipt, b.Receipt) }) {
		t.Fatalf("results: %v %+v", err, res)
	}
	if !reflect.DeepEqual(res.Voters, []string{"a001", "a002", "a003", "a004"}) || res.Votes != nil {
		t.Fatalf("voters %v", res.Voters)
	}
}

// TestSecretBallotUnlinkable plays the adversary who reads every stored
// byte after the close, knowing every institution's ID and delegate, and
// tries to tell what any institution voted.
func TestSecretBallotUnlinkable(t *testing.T) {
	svc, st := assembly(t, 120, 0, 120)
	opened(t, svc, secretMotion("budget"))
	ballotBefore := st.dump()["ballot/budget"]
	// Cast in ID order, the order the voters set is stored in: the worst
	// case for an order-based link.
	truth := map[string]ballot.Choice{}
	codes := map[string]string{}
	rnd := rand.New(seeded(7))
	for i := 1; i <= 120; i++ {
		inst := fmt.Sprintf("a%03d", i)
		c := []ballot.Choice{yes(), no()}[rnd.IntN(2)]
		rc, err := svc.Cast(ctx, "budget", "d-"+inst, inst, c)
		if err != nil {
			t.Fatal(err)
		}
		truth[inst], codes[inst] = c, rc.Code
	}
	if !bytes.Equal(ballotBefore, st.dump()["ballot/budget"]) {
		t.Fatal("casting changed the ballot record (a version or count orders the papers)")
	}
	if _, err := svc.Close(ctx, "budget"); err != nil {
		t.Fatal(err)
	}
	dump := st.dump()

	// 1. No record holds both an institution (or a delegate) and a receipt.
	for key, b := range dump {
		var inst, rcpt bool
		for id, code := range codes {
			inst = inst || bytes.Contains(b, []byte(id))
			rcpt = rcpt || bytes.Contains(b, []byte(code))
		}
		if inst && rcpt {
			t.Errorf("record %s holds institutions and receipts together", key)
		}
	}
	// 2. The box has no field but receipt and choice: no id, time, order.
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(dump["box/budget"], &raw); err != nil {
		t.Fatal(err)
	}
	for _, p := range raw {
		if keys := slices.Sorted(maps.Keys(p)); !reflect.DeepEqual(keys, []string{"choice", "receipt"}) {
			t.Fatalf("a paper has fields %v", keys)
		}
	}
	// 3. The box's order is its receipts' order, a function of its content.
	var box []ballot.Paper
	json.Unmarshal(dump["box/budget"], &box)
	if !slices.IsSortedFunc(box, func(a, b ballot.Paper) int { return strings.Compare(a.Receipt, b.Receipt) }) {
		t.Fatal("the box is not in receipt order")
	}
	// 4. The positional attack: pair the i-th voter with the i-th paper.
	var voters []string
	json.Unmarshal(dump["voters/budget"], &voters)
	right := 0
	for i, inst := range voters {
		if reflect.DeepEqual(box[i].Choice, truth[inst]) {
			right++
		}
	}
	if right == len(voters) || right == 0 {
		t.Fatalf("the positional attack guessed %d of %d: order links voters to papers", right, len(voters))
	}
	// 5. Receipts are what the voter holds, and only the voter.
	for inst, code := range codes {
		p, err := svc.Verify(ctx, "budget", code)
		if err != nil || !reflect.DeepEqual(p.Choice, truth[inst]) {
			t.Fatalf("%s: %v", inst, err)
		}
	}
}

// TestConcurrentCasts: two tabs per institution cast at once while the
// host closes: one ballot per institution, every acknowledged cast
// counted, every refused one absent.
func TestConcurrentCasts(t *testing.T) {
	svc, st := assembly(t, 120, 0, 120)
	opened(t, svc, secretMotion("budget"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]int{}
	for i := 1; i <= 120; i++ {
		inst := fmt.Sprintf("a%03d", i)
		for _, person := range []string{"d-" + inst, "x-" + inst} {
			wg.Go(func() {
				_, err := svc.Cast(ctx, "budget", person, inst, yes())
				switch {
				case err == nil:
					mu.Lock()
					acked[inst]++
					mu.Unlock()
				case errors.Is(err, ballot.ErrAlreadyVoted), errors.Is(err, ballot.ErrClosed):
				default:
					t.Errorf("%s: %v", person, err)
				}
			})
		}
		if i == 100 {
			wg.Go(func() {
				if _, err := svc.Close(ctx, "budget"); err != nil {
					t.Errorf("close: %v", err)
				}
			})
		}
	}
	wg.Wait()
	for inst, n := range acked {
		if n != 1 {
			t.Errorf("%s acknowledged %d times", inst, n)
		}
	}
	b, err := svc.Get(ctx, "budget")
	if err != nil || b.Verdict == nil {
		t.Fatalf("closed: %v %+v", err, b)
	}
	papers, _ := st.Papers(ctx, "budget")
	voters, _ := st.Voters(ctx, "budget")
	if len(papers) != len(acked) || len(voters) != len(acked) || b.Verdict.Tally.Papers != len(acked) {
		t.Fatalf("%d acknowledged, %d papers, %d voters, tally %d", len(acked), len(papers), len(voters), b.Verdict.Tally.Papers)
	}
}

func BenchmarkDecide120(b *testing.B) {
	bl := motion(ballot.MajorityTwoThirdsCast, ballot.AbstentionsCast)
	ps := papers(70, 30, 20)
	q := ballot.Quorum{}.Count(90, 90, 0)
	b.ReportAllocs()
	for b.Loop() {
		ballot.Decide(bl, q, ps)
	}
}

func BenchmarkDecideElection120(b *testing.B) {
	bl := election(3, "c01", "c02", "c03", "c04", "c05", "c06")
	var ps []ballot.Choice
	for i := range 120 {
		ps = append(ps, ballot.Choice{Candidates: []string{fmt.Sprintf("c%02d", i%6+1), fmt.Sprintf("c%02d", (i+1)%6+1)}})
	}
	q := ballot.Quorum{}.Count(90, 90, 0)
	b.ReportAllocs()
	for b.Loop() {
		ballot.Decide(bl, q, ps)
	}
}

// BenchmarkCastAndClose120: 120 secret casts and the close through the
// Service (the in-memory test store re-encodes its JSON records on every
// write, so this bounds the Service's own cost from above).
func BenchmarkCastAndClose120(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		svc, _ := assembly(b, 120, 0, 120)
		opened(b, svc, secretMotion("budget"))
		b.StartTimer()
		for i := 1; i <= 120; i++ {
			inst := fmt.Sprintf("a%03d", i)
			if _, err := svc.Cast(ctx, "budget", "d-"+inst, inst, yes()); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := svc.Close(ctx, "budget"); err != nil {
			b.Fatal(err)
		}
	}
}
