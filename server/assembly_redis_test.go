package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/store"
)

// assemblyOnRedis serves an assembly from instances instances, each with
// its own connections to the one real Redis rs (store and broker), as
// behind a load balancer: a general assembly running now with a vote
// item it-vote, head office's token, and n A-status institutions.
func assemblyOnRedis(t *testing.T, rs *redistest.Server, instances, n int) ([]*roomFixture, *store.Redis, string, []string) {
	t.Helper()
	ctx := context.Background()
	rooms, st, o := instancesOnOneRedis(t, rs, "ga:", instances)
	token := rooms[0].alice
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e := agenda.Event{ID: roomEvent, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "General Assembly"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Zurich", Region: agenda.RegionGlobal,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}, Owner: o.ID}
	vote := agenda.Item{ID: "it-vote", Title: agenda.Text{"en": "Budget"}, Start: start, Minutes: 30, Kind: agenda.ItemVote, Speakers: []agenda.Text{}}
	if _, _, err := rooms[0].svc.CreateEvent(ctx, e, []agenda.Item{vote}); err != nil {
		t.Fatal(err)
	}
	var insts []string
	for i := range n {
		id := fmt.Sprintf("inst-%02d", i)
		in := institution.Institution{ID: id, Name: agenda.Text{"en": id}, Country: "XA", Region: agenda.RegionEurope,
			Status: institution.StatusA, AccreditedOn: "2020-01-01", History: []institution.Change{{Status: institution.StatusA, Date: "2020-01-01"}}, Delegates: []institution.Delegate{}}
		if _, err := st.PutInstitution(ctx, in, 0); err != nil {
			t.Fatal(err)
		}
		insts = append(insts, id)
	}
	return rooms, st, token, insts
}

// TestOneBallotPerInstitutionAcrossInstances: two instances, each with its
// own connections to one real Redis (store and broker), as behind a load
// balancer. For each of ten institutions, its delegate on instance A and
// its alternate on instance B cast at the same moment: each institution
// gets exactly one ballot — one receipt, one already_voted — and the box
// holds ten papers.
func TestOneBallotPerInstitutionAcrossInstances(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	const n = 10
	rooms, st, token, insts := assemblyOnRedis(t, rs, 2, n)
	a, b := rooms[0], rooms[1]
	host, _ := a.join("host", "token="+url.QueryEscape(token))
	var onA, onB []*member
	for _, id := range insts {
		onA = append(onA, a.delegate("delegate of "+id, id))
		onB = append(onB, b.delegate("alternate of "+id, id))
	}
	step := 0
	do := func(m *member, cmd realtime.MsgType, data any, ok realtime.MsgType) realtime.Envelope {
		t.Helper()
		step++
		id := fmt.Sprint("s", step)
		m.send(cmd, id, data)
		if code, env := m.answer(id, ok); code != "" {
			t.Fatalf("%s: %s %s", cmd, code, env.Data)
		} else {
			return env
		}
		return realtime.Envelope{}
	}
	for i, id := range insts { // half answer the roll themselves, on B
		if i%2 == 0 {
			do(onB[i], realtime.CmdRollMark, map[string]any{"institution": id, "present": true}, realtime.MsgRoll)
		} else {
			do(host, realtime.CmdRollMark, map[string]any{"institution": id, "present": true}, realtime.MsgRoll)
		}
	}
	var bl struct{ ID string }
	mustUnmarshal(t, do(host, realtime.CmdBallotPrepare, map[string]any{"item": "it-vote", "kind": "motion", "secret": true,
		"title": map[string]string{"en": "Budget"}}, realtime.MsgBallot).Data, &bl)
	do(host, realtime.CmdBallotOpen, map[string]string{"ballot": bl.ID}, realtime.MsgBallot)

	var wg sync.WaitGroup
	var mu sync.Mutex
	outcome := map[string][]string{}
	for i, id := range insts {
		for _, m := range []*member{onA[i], onB[i]} {
			wg.Go(func() {
				m.send(realtime.CmdBallotCast, "cast", map[string]any{"ballot": bl.ID, "institution": id, "choice": map[string]string{"option": "yes"}})
				code, _ := m.answer("cast", realtime.MsgReceipt)
				mu.Lock()
				outcome[id] = append(outcome[id], code)
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	for _, id := range insts {
		got := strings.Join(outcome[id], ",")
		if got != ",already_voted" && got != "already_voted," {
			t.Errorf("%s: answers %q, want one receipt and one already_voted", id, got)
		}
	}
	voters, err := st.Voters(ctx, bl.ID)
	if err != nil || len(voters) != n {
		t.Fatalf("voters %v %v", voters, err)
	}
	papers, err := st.Papers(ctx, bl.ID)
	if err != nil || len(papers) != n {
		t.Fatalf("%d papers, %v", len(papers), err)
	}
	env := do(host, realtime.CmdBallotClose, map[string]string{"ballot": bl.ID}, realtime.MsgBallot)
	var closed struct{ Verdict ballot.Verdict }
	mustUnmarshal(t, env.Data, &closed)
	if closed.Verdict.Tally.Yes != n || closed.Verdict.Outcome != ballot.OutcomeAdopted {
		t.Fatalf("verdict %+v", closed.Verdict)
	}
}

// TestCastWhileRedisIsDown: a delegate's cast while Redis is stopped is
// answered with the error unavailable, visibly, with nothing recorded; once
// Redis is back the same cast is recorded, once.
func TestCastWhileRedisIsDown(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	rooms, st, token, insts := assemblyOnRedis(t, rs, 1, 2)
	a := rooms[0]
	host, _ := a.join("host", "token="+url.QueryEscape(token))
	d := a.delegate("delegate of "+insts[0], insts[0])
	try := commands(t)
	for _, id := range insts {
		try(host, realtime.CmdRollMark, map[string]any{"institution": id, "present": true}, realtime.MsgRoll, "")
	}
	var bl struct{ ID string }
	mustUnmarshal(t, try(host, realtime.CmdBallotPrepare, map[string]any{"item": "it-vote", "kind": "motion", "secret": true,
		"title": map[string]string{"en": "Budget"}}, realtime.MsgBallot, "").Data, &bl)
	try(host, realtime.CmdBallotOpen, map[string]string{"ballot": bl.ID}, realtime.MsgBallot, "")
	cast := map[string]any{"ballot": bl.ID, "institution": insts[0], "choice": map[string]string{"option": "yes"}}

	if err := rs.Stop(); err != nil {
		t.Fatal(err)
	}
	try(d, realtime.CmdBallotCast, cast, realtime.MsgReceipt, "unavailable")
	if err := rs.Restart(); err != nil {
		t.Fatal(err)
	}
	if voters, err := st.Voters(ctx, bl.ID); err != nil || len(voters) != 0 {
		t.Fatalf("a refused cast was recorded: %v %v", voters, err)
	}
	try(d, realtime.CmdBallotCast, cast, realtime.MsgReceipt, "")
	try(d, realtime.CmdBallotCast, cast, realtime.MsgReceipt, "already_voted")
	if voters, err := st.Voters(ctx, bl.ID); err != nil || len(voters) != 1 {
		t.Fatalf("voters after the restart: %v %v", voters, err)
	}
}
