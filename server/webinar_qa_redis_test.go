package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
	"golang.org/x/time/rate"
)

// instancesOnOneRedis serves instances instances, each with its own
// connections to the one real Redis rs (store and broker, under prefix), as
// behind a load balancer; their fixtures' token is the head-office
// organizer o's, stored in st.
func instancesOnOneRedis(t *testing.T, rs *redistest.Server, prefix string, instances int) ([]*roomFixture, *store.Redis, access.Organizer) {
	t.Helper()
	ctx := context.Background()
	token, hash := access.NewToken()
	var rooms []*roomFixture
	var st *store.Redis
	for i := range instances {
		s, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		br, err := broker.NewRedis(ctx, rs.URL(), broker.RedisConfig{Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { br.Close() })
		node := realtime.New(realtime.Config{CommandRate: 1000, CommandBurst: 1000, Instance: fmt.Sprint("inst-", i)}, br, s)
		svc := agenda.New(agenda.Config{}, s)
		// The join limit counts for every instance together: these clients
		// all come from 127.0.0.1.
		srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Rooms: node, Secret: []byte(strings.Repeat("s", 32)), JoinRate: rate.Inf}, s, svc)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(c)
			ts.Close()
		})
		rooms = append(rooms, &roomFixture{fixture: &fixture{t: t, srv: srv, ts: ts, svc: svc, alice: token}})
		st = s
	}
	o := access.Organizer{ID: "org_ho", Name: "Head office", Region: agenda.RegionGlobal, TokenHash: hash, Created: time.Now().UTC()}
	if err := st.CreateOrganizer(ctx, o); err != nil {
		t.Fatal(err)
	}
	return rooms, st, o
}

// webinarOnTwoInstances serves the webinar roomEvent from two instances
// on one real Redis.
func webinarOnTwoInstances(t *testing.T) (a, b *roomFixture) {
	rooms, _, o := instancesOnOneRedis(t, redistest.Start(t, redistest.Config{}), "qa:", 2)
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	e := agenda.Event{ID: roomEvent, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Webinar on civic space"},
		Start: start, End: start.Add(time.Hour), TimeZone: "Africa/Nairobi", Region: agenda.RegionAfrica,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, Languages: []string{"ar", "en", "fr", "es"}, Owner: o.ID}
	if _, _, err := rooms[0].svc.CreateEvent(context.Background(), e, nil); err != nil {
		t.Fatal(err)
	}
	return rooms[0], rooms[1]
}

// votesOf reads m's question.votes until question id has want votes or
// more, and returns the count.
func (m *member) votesOf(id string, want int) int {
	m.t.Helper()
	for {
		var d struct {
			Votes map[string]int `json:"votes"`
		}
		mustUnmarshal(m.t, m.upTo(realtime.MsgQuestionVotes).Data, &d)
		if n, ok := d.Votes[id]; ok && n >= want {
			return n
		}
	}
}

// refusedOrNot sends a vote or a poll answer and reports the error code
// it got ("" for none), reading up to its answer: the error, or the ack
// (question.voted, poll.answered) that carries its id.
func (m *member) refusedOrNot(cmd realtime.MsgType, id string, data any) realtime.ErrorCode {
	m.t.Helper()
	m.send(cmd, id, data)
	for {
		env := m.next()
		if env.ID != id {
			continue
		}
		switch env.Type {
		case realtime.MsgError:
			return errorCode(m.t, env)
		case realtime.MsgQuestionVoted, realtime.MsgPollAnswered:
			return ""
		}
	}
}

// TestWebinarQuestionsAcrossInstances: two instances on one real Redis
// show the same questions and votes; one person (one invitation) voting
// from a tab on each instance at the same moment counts once, and so does
// their poll answer; a page joining either instance sees the same.
func TestWebinarQuestionsAcrossInstances(t *testing.T) {
	a, b := webinarOnTwoInstances(t)
	hostA, _ := a.join("host on A", "token="+url.QueryEscape(a.alice))
	hostB, _ := b.join("host on B", "token="+url.QueryEscape(b.alice))
	paolaToken := a.inviteWith(`{"role":"participant","name":"Paola"}`)
	paolaA, _ := a.join("Paola on A", "token="+url.QueryEscape(paolaToken))
	paolaB, _ := b.join("Paola on B", "token="+url.QueryEscape(paolaToken))
	omarB, _ := b.join("Omar on B", "token="+url.QueryEscape(b.inviteWith(`{"role":"participant","name":"Omar"}`)))

	paolaA.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "Does the plan cover reprisals?"})
	q, _ := hostB.question()
	if q.Name != "Paola" || q.Status != "open" {
		t.Fatalf("the host on B sees %+v", q)
	}
	hostA.questionOf(q.ID)

	for round := range realtime.QuestionsPerMinute { // the same person, twice at once, on two instances
		id := fmt.Sprint("q", round)
		if round > 0 {
			paolaA.send(realtime.CmdQuestionAsk, "", map[string]any{"text": fmt.Sprint("Question ", round)})
			q, _ = hostB.question()
			hostA.questionOf(q.ID)
		}
		codes := make([]realtime.ErrorCode, 2)
		var wg sync.WaitGroup
		for i, m := range []*member{paolaA, paolaB} {
			wg.Go(func() { codes[i] = m.refusedOrNot(realtime.CmdQuestionVote, id, map[string]string{"id": q.ID}) })
		}
		wg.Wait()
		if got := fmt.Sprint(codes); got != "[ invalid_state]" && got != "[invalid_state ]" {
			t.Fatalf("round %d: answers %s, want one vote and one invalid_state", round, got)
		}
		if code := omarB.refusedOrNot(realtime.CmdQuestionVote, "o"+id, map[string]string{"id": q.ID}); code != "" {
			t.Fatalf("round %d: Omar's vote: %s", round, code)
		}
		for _, h := range []*member{hostA, hostB} {
			if got := h.votesOf(q.ID, 2); got != 2 {
				t.Fatalf("round %d: %s sees %d votes", round, h.name, got)
			}
		}
	}

	// A poll answered by the same person on both instances at once.
	hostA.send(realtime.CmdPollCreate, "", map[string]any{"poll": map[string]any{"question": "Q?", "options": []string{"yes", "no"}}})
	p, _ := hostA.poll()
	hostA.send(realtime.CmdPollOpen, "", map[string]string{"id": p.ID})
	paolaB.poll()
	paolaA.poll()
	codes := make([]realtime.ErrorCode, 2)
	var wg sync.WaitGroup
	for i, m := range []*member{paolaA, paolaB} {
		wg.Go(func() {
			codes[i] = m.refusedOrNot(realtime.CmdPollAnswer, "ans", map[string]any{"id": p.ID, "choices": []int{i}})
		})
	}
	wg.Wait()
	if got := fmt.Sprint(codes); got != "[ invalid_state]" && got != "[invalid_state ]" {
		t.Fatalf("poll answers %s, want one answer and one invalid_state", got)
	}
	if code := omarB.refusedOrNot(realtime.CmdPollAnswer, "ans", map[string]any{"id": p.ID, "choices": []int{1}}); code != "" {
		t.Fatalf("Omar's answer: %s", code)
	}
	hostB.send(realtime.CmdPollClose, "", map[string]string{"id": p.ID})
	closed, _ := hostA.poll()
	for closed.State != "closed" {
		closed, _ = hostA.poll()
	}
	if closed.Results == nil || closed.Results.Answers != 2 {
		t.Fatalf("closed on B, seen on A: %+v", closed)
	}

	// A page joining either instance gets the same questions and votes.
	var seen []string
	for _, f := range []*roomFixture{a, b} {
		_, first := f.join("late host", "token="+url.QueryEscape(f.alice))
		var w qaWelcomeT
		mustUnmarshal(t, first.Data, &w)
		var s []string
		for _, q := range w.QA.Questions {
			s = append(s, fmt.Sprintf("%s:%d", q.Text, q.Votes))
		}
		seen = append(seen, strings.Join(s, ","))
		if len(w.QA.Questions) != realtime.QuestionsPerMinute || len(w.QA.Polls) != 1 || w.QA.Polls[0].Results == nil || w.QA.Polls[0].Results.Answers != 2 {
			t.Fatalf("a welcome on %s: %+v", f.ts.URL, w.QA)
		}
	}
	if seen[0] != seen[1] || !strings.Contains(seen[0], "Does the plan cover reprisals?:2") {
		t.Fatalf("the two instances differ: %q", seen)
	}
}

// TestWebinarVoteCountsConvergeAcrossInstances: a burst of votes for one
// question from attendees on two instances on one real Redis, each
// instance publishing its own coalesced counts: every page on both ends
// at the stored count, and so do the welcomes and the report.
func TestWebinarVoteCountsConvergeAcrossInstances(t *testing.T) {
	const each = 150
	a, b := webinarOnTwoInstances(t)
	onA, onB := qaClients(t, a.ts, each, 0), qaClients(t, b.ts, each, each)
	all := append(slices.Clone(onA), onB...)
	id := voteBurst(t, all)
	waitAll(t, all, "the votes", func(c *qaClient) bool { return c.votes[id] == 2*each })
	for _, f := range []*roomFixture{a, b} {
		_, first := f.join("late host", "token="+url.QueryEscape(f.alice))
		var w qaWelcomeT
		mustUnmarshal(t, first.Data, &w)
		if len(w.QA.Questions) != 1 || w.QA.Questions[0].Votes != 2*each {
			t.Fatalf("a welcome on %s: %+v", f.ts.URL, w.QA.Questions)
		}
	}
	for i, c := range all {
		c.mu.Lock()
		err, refusals := c.err, c.refusals
		c.mu.Unlock()
		if err != nil || len(refusals) > 0 {
			t.Fatalf("client %d: %v, %q", i, err, refusals)
		}
	}
}

// TestMassDepartureAcrossInstances: 150 attendees on each of two
// instances on one real Redis leave at once (the end of a session, a
// network that drops); the roster then holds nobody who left. The leaves
// race between the instances (each is published on condition that the
// room did not move); one that lost five races was dropped with a warning
// ("the room is too busy"), and its attendee stayed in the roster and the
// counts for the room's life.
func TestMassDepartureAcrossInstances(t *testing.T) {
	const each = 150
	a, b := webinarOnTwoInstances(t)
	all := append(qaClients(t, a.ts, each, 0), qaClients(t, b.ts, each, each)...)
	// count joins a host and returns how many members its welcome counts;
	// the host leaves again.
	count := func() int {
		m, first := a.join("counting host", "token="+url.QueryEscape(a.alice))
		defer m.conn.Close()
		var w struct{ Members int }
		mustUnmarshal(t, first.Data, &w)
		return w.Members
	}
	eventually := func(what string, want int) {
		t.Helper()
		n := 0
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if n = count(); n == want {
				return
			}
		}
		t.Fatalf("%s: the roster counts %d members, want %d (the counting host included)", what, n, want)
	}
	eventually("everyone joined", 2*each+1)
	for _, c := range all {
		c.conn.Close()
	}
	eventually("everyone left", 1)
}
