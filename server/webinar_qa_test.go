package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/store"
)

// Questions and polls in a webinar's room (issue 16, items 5 and 6):
// every command with its refusals, anonymity, one vote and one answer per
// person across reconnects, and recovery with since.

// questionT is a question message's data as a page reads it.
type questionT struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Answer     string `json:"answer"`
	Live       bool   `json:"live"`
	AnsweredBy string `json:"answered_by"`
	Votes      int    `json:"votes"`
	Key        string `json:"key"`
}

// pollT is a poll message's data.
type pollT struct {
	ID      string `json:"id"`
	State   string `json:"state"`
	Shared  bool   `json:"shared"`
	Results *struct {
		Answers int   `json:"answers"`
		Counts  []int `json:"counts"`
	} `json:"results"`
}

// qaWelcomeT is the qa part of a welcome.
type qaWelcomeT struct {
	QA struct {
		Anonymous bool        `json:"anonymous"`
		Moderated bool        `json:"moderated"`
		Questions []questionT `json:"questions"`
		Polls     []pollT     `json:"polls"`
		Tallies   map[string]struct {
			Answers int   `json:"answers"`
			Counts  []int `json:"counts"`
		} `json:"tallies"`
		You struct {
			Asked    []string `json:"asked"`
			Voted    []string `json:"voted"`
			Answered []string `json:"answered"`
		} `json:"you"`
	} `json:"qa"`
}

func newQARoom(t *testing.T) *roomFixture {
	return newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{CommandRate: 1000, CommandBurst: 1000, ChatRate: 100, ChatBurst: 100},
			broker.NewMemory(broker.MemoryConfig{}), st)
	})
}

// attendee joins with an invitation of role participant (the same person
// again on every join with token).
func (f *roomFixture) attendee(name string) (*member, string) {
	f.t.Helper()
	token := f.inviteWith(fmt.Sprintf(`{"role":"participant","name":%q}`, name))
	m, _ := f.join(name, "token="+url.QueryEscape(token))
	return m, token
}

// upTo reads m's messages (keeping track of seq) up to the next of type
// typ.
func (m *member) upTo(typ realtime.MsgType) realtime.Envelope {
	m.t.Helper()
	for {
		if env := m.next(); env.Type == typ {
			return env
		}
	}
}

// question reads m's messages up to the next question message.
func (m *member) question() (questionT, realtime.Envelope) {
	m.t.Helper()
	env := m.upTo(realtime.MsgQuestion)
	var q questionT
	mustUnmarshal(m.t, env.Data, &q)
	return q, env
}

// questionOf reads m's messages up to the next about question id.
func (m *member) questionOf(id string) (questionT, realtime.Envelope) {
	m.t.Helper()
	for {
		if q, env := m.question(); q.ID == id {
			return q, env
		}
	}
}

// questionIn reads m's messages up to the one putting question id in
// status.
func (m *member) questionIn(id, status string) (questionT, realtime.Envelope) {
	m.t.Helper()
	for {
		if q, env := m.questionOf(id); q.Status == status {
			return q, env
		}
	}
}

func (m *member) poll() (pollT, realtime.Envelope) {
	m.t.Helper()
	env := m.upTo(realtime.MsgPoll)
	var p pollT
	mustUnmarshal(m.t, env.Data, &p)
	return p, env
}

// refused sends cmd and reads up to its error, returning the code.
func (m *member) refused(cmd realtime.MsgType, data any) realtime.ErrorCode {
	m.t.Helper()
	id := fmt.Sprintf("r-%d", m.last)
	m.send(cmd, id, data)
	for {
		env := m.next()
		if env.Type == realtime.MsgError && env.ID == id {
			return errorCode(m.t, env)
		}
		if env.Type == realtime.MsgError {
			m.t.Fatalf("%s: another error %s", m.name, env.Data)
		}
	}
}

func TestWebinarQuestionsInTheRoom(t *testing.T) {
	f := newQARoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	panelist, _ := f.join("Panelist", "token="+url.QueryEscape(f.invite("speaker", "Dr Panelist")))
	paola, _ := f.attendee("Paola")
	omar, omarToken := f.attendee("Omar")

	refusals := []struct {
		name string
		who  *member
		cmd  realtime.MsgType
		data any
		want realtime.ErrorCode
	}{
		{"a question over 500 characters", paola, realtime.CmdQuestionAsk, map[string]any{"text": strings.Repeat("é", 501)}, realtime.ErrTooLong},
		{"an empty question", paola, realtime.CmdQuestionAsk, map[string]any{"text": " \u202e "}, realtime.ErrBadMessage},
		{"anonymous before the host allows it", paola, realtime.CmdQuestionAsk, map[string]any{"text": "Who?", "anonymous": true}, realtime.ErrInvalidState},
		{"an unknown field", paola, realtime.CmdQuestionAsk, map[string]any{"text": "Hi", "name": "someone else"}, realtime.ErrBadMessage},
		{"a host asks", host, realtime.CmdQuestionAsk, map[string]any{"text": "Hi"}, realtime.ErrForbidden},
		{"an attendee answers", paola, realtime.CmdQuestionAnswer, map[string]any{"id": "q-x", "live": true}, realtime.ErrForbidden},
		{"an attendee moderates", paola, realtime.CmdQuestionModerate, map[string]any{"id": "q-x", "status": "open"}, realtime.ErrForbidden},
		{"an attendee changes the settings", paola, realtime.CmdQASettings, map[string]any{"anonymous": true}, realtime.ErrForbidden},
		{"a vote for no question", omar, realtime.CmdQuestionVote, map[string]any{"id": "q-none"}, realtime.ErrUnknown},
	}
	for _, tc := range refusals {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			tc.who.t = t
			defer func() { tc.who.t = f.t }()
			if got := tc.who.refused(tc.cmd, tc.data); got != tc.want {
				t.Fatalf("code %s, want %s", got, tc.want)
			}
		})
	}

	// A named question: everyone sees it, with its asker's name.
	paola.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "How do you protect defenders?"})
	q1, env := host.question()
	if q1.Status != "open" || q1.Name != "Paola" || q1.Text != "How do you protect defenders?" || env.From != paola.id || env.Seq == 0 {
		t.Fatalf("asked: %+v from %q", q1, env.From)
	}
	omar.question()
	paola.question()
	panelist.question()

	// One vote per person, across reconnects: the voter's ack at once,
	// and the count in a seq'd question.votes that names nobody.
	omar.send(realtime.CmdQuestionVote, "v1", map[string]string{"id": q1.ID})
	if env := omar.upTo(realtime.MsgQuestionVoted); env.ID != "v1" || env.Seq != 0 || string(env.Data) != `{"id":"`+q1.ID+`","votes":1}` {
		t.Fatalf("Omar's ack: %+v %s", env, env.Data)
	}
	for _, m := range []*member{host, paola, omar} {
		if env := m.upTo(realtime.MsgQuestionVotes); string(env.Data) != `{"votes":{"`+q1.ID+`":1}}` || env.From != "" || env.Seq == 0 {
			t.Fatalf("%s sees the vote as %s from %q", m.name, env.Data, env.From)
		}
	}
	if code := omar.refused(realtime.CmdQuestionVote, map[string]string{"id": q1.ID}); code != realtime.ErrInvalidState {
		t.Fatalf("a second vote: %s", code)
	}
	omar.conn.Close()
	omar, first := f.join("Omar again", "token="+url.QueryEscape(omarToken))
	var w qaWelcomeT
	mustUnmarshal(t, first.Data, &w)
	if !slices.Equal(w.QA.You.Voted, []string{q1.ID}) || len(w.QA.Questions) != 1 || w.QA.Questions[0].Votes != 1 || w.QA.Questions[0].Key != "" {
		t.Fatalf("Omar's welcome after a reconnect: %+v", w.QA)
	}
	if code := omar.refused(realtime.CmdQuestionVote, map[string]string{"id": q1.ID}); code != realtime.ErrInvalidState {
		t.Fatalf("a vote again after a reconnect: %s", code)
	}

	// Anonymous, moderated questions: held for the stage, and the asker
	// alone sees theirs; nothing names the asker.
	host.send(realtime.CmdQASettings, "", map[string]bool{"anonymous": true, "moderated": true})
	host.upTo(realtime.MsgQA)
	paola.upTo(realtime.MsgQA)
	omar.upTo(realtime.MsgQA)
	omar.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "Is the plan funded?", "anonymous": true})
	q2, env := omar.question()
	if q2.Status != "held" || q2.Name != "" || env.From != "" {
		t.Fatalf("the asker's own held question: %+v from %q", q2, env.From)
	}
	for _, m := range []*member{host, panelist} {
		q, env := m.questionOf(q2.ID)
		if q.ID != q2.ID || q.Status != "held" || q.Name != "" || q.Key != "" || env.From != "" || env.To != realtime.ToStage {
			t.Fatalf("%s sees the held question as %+v from %q to %q", m.name, q, env.From, env.To)
		}
		if raw := string(env.Data); strings.Contains(raw, "Omar") || strings.Contains(raw, omar.id) {
			t.Fatalf("an anonymous question names its asker: %s", raw)
		}
	}
	if code := paola.refused(realtime.CmdQuestionVote, map[string]string{"id": q2.ID}); code != realtime.ErrUnknown {
		t.Fatalf("a vote for a held question: %s (it must look missing)", code)
	}

	// The panelist answers it live: everyone sees it now.
	panelist.send(realtime.CmdQuestionAnswer, "", map[string]any{"id": q2.ID, "live": true})
	if q, _ := paola.questionOf(q2.ID); q.ID != q2.ID || q.Status != "answered" || !q.Live || q.AnsweredBy != "Dr Panelist" || q.Name != "" {
		t.Fatalf("answered live: %+v", q)
	}
	// Written answers and moderation.
	badAnswers := []struct {
		name string
		data map[string]any
		want realtime.ErrorCode
	}{
		{"neither text nor live", map[string]any{"id": q1.ID}, realtime.ErrBadMessage},
		{"both", map[string]any{"id": q1.ID, "text": "Yes", "live": true}, realtime.ErrBadMessage},
		{"over 2,000 characters", map[string]any{"id": q1.ID, "text": strings.Repeat("a", 2001)}, realtime.ErrTooLong},
	}
	for _, tc := range badAnswers {
		if code := panelist.refused(realtime.CmdQuestionAnswer, tc.data); code != tc.want {
			t.Fatalf("answer with %s: %s, want %s", tc.name, code, tc.want)
		}
	}
	host.send(realtime.CmdQuestionAnswer, "", map[string]any{"id": q1.ID, "text": "Through the Global Action Plan."})
	if q, _ := omar.questionOf(q1.ID); q.Answer != "Through the Global Action Plan." || q.Status != "answered" {
		t.Fatalf("written answer: %+v", q)
	}
	if code := host.refused(realtime.CmdQuestionModerate, map[string]any{"id": q1.ID, "status": "closed"}); code != realtime.ErrBadMessage {
		t.Fatalf("an unknown status: %s", code)
	}
	host.send(realtime.CmdQuestionModerate, "", map[string]any{"id": q1.ID, "status": "dismissed"})
	if q, env := paola.questionIn(q1.ID, "dismissed"); q.Status != "dismissed" || env.To != realtime.ToEveryone {
		t.Fatalf("dismissing a shown question: %+v to %q", q, env.To)
	}
	if code := paola.refused(realtime.CmdQuestionVote, map[string]string{"id": q1.ID}); code != realtime.ErrUnknown {
		t.Fatalf("a vote for a dismissed question: %s", code)
	}

	// A named held question: the asker sees it after a reconnect too.
	paola.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "And the regional networks?"})
	q3, _ := paola.question()
	if q3.Status != "held" || q3.Name != "Paola" {
		t.Fatalf("a named held question: %+v", q3)
	}
	// At most three questions a minute: Paola asked two.
	paola.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "A third one"})
	paola.question()
	if code := paola.refused(realtime.CmdQuestionAsk, map[string]any{"text": "A fourth one"}); code != realtime.ErrRateLimited {
		t.Fatalf("a fourth question in a minute: %s", code)
	}

	// Chat where the host has not opened it: refused once the webinar
	// has started.
	host.send(realtime.CmdWebinarStart, "", nil)
	paola.upTo(realtime.MsgWebinar)
	if code := paola.refused(realtime.CmdChat, map[string]string{"text": "hello"}); code != realtime.ErrForbidden {
		t.Fatalf("chat while closed to attendees: %s", code)
	}
	if code := paola.refused(realtime.CmdQuestionAsk, map[string]any{"text": "after the start"}); code != realtime.ErrRateLimited {
		t.Fatalf("questions after the start stay open to attendees (the limit aside): %s", code)
	}
}

// TestWebinarQuestionsResume: a page that lost its connection resumes with
// since and epoch and receives exactly the question messages it missed,
// in order; the held one it may not see is not among them.
func TestWebinarQuestionsResume(t *testing.T) {
	f := newQARoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	paola, paolaToken := f.attendee("Paola")
	omar, _ := f.attendee("Omar")
	omar.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "First"})
	q1, _ := paola.question()
	last, epoch := paola.last, paola.epoch
	paola.conn.Close()

	omar.send(realtime.CmdQuestionVote, "", map[string]string{"id": q1.ID})
	host.votesOf(q1.ID, 1)
	host.send(realtime.CmdQASettings, "", map[string]bool{"moderated": true})
	omar.upTo(realtime.MsgQA) // moderated now: Omar's next question is held
	omar.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "Held while Paola was away"})
	held, _ := host.question()
	if held.Status != "held" {
		t.Fatalf("a question asked under moderation is %q, want held", held.Status)
	}
	host.send(realtime.CmdQuestionAnswer, "", map[string]any{"id": q1.ID, "text": "Answered while away"})
	for q, _ := host.question(); q.Status != "answered"; q, _ = host.question() {
	}

	back, first := f.join("Paola back", fmt.Sprintf("token=%s&since=%d&epoch=%s", url.QueryEscape(paolaToken), last, epoch))
	if first.Type != realtime.MsgResume {
		t.Fatalf("first message %s, want resume", first.Type)
	}
	back.last = last
	var seen []string
	for len(seen) < 3 {
		env := back.next()
		switch env.Type {
		case realtime.MsgQuestion:
			var q questionT
			mustUnmarshal(t, env.Data, &q)
			if q.ID == held.ID {
				t.Fatalf("the replay shows a held question to an attendee: %s", env.Data)
			}
			seen = append(seen, fmt.Sprintf("%s %s %d", q.Text, q.Status, q.Votes))
		case realtime.MsgQuestionVotes:
			seen = append(seen, "votes "+string(env.Data))
		case realtime.MsgQA:
			seen = append(seen, "settings")
		}
	}
	want := []string{"votes {\"votes\":{\"" + q1.ID + "\":1}}", "settings", "First answered 1"}
	if !slices.Equal(seen, want) {
		t.Fatalf("replayed %q, want %q", seen, want)
	}

	// A fresh page (no since) gets the same in its welcome.
	_, first = f.join("Paola fresh", "token="+url.QueryEscape(paolaToken))
	var w qaWelcomeT
	mustUnmarshal(t, first.Data, &w)
	if !w.QA.Moderated || len(w.QA.Questions) != 1 || w.QA.Questions[0].Status != "answered" || w.QA.Questions[0].Votes != 1 {
		t.Fatalf("welcome: %+v", w.QA)
	}
}

func TestWebinarPollsInTheRoom(t *testing.T) {
	f := newQARoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	panelist, _ := f.join("Panelist", "token="+url.QueryEscape(f.invite("speaker", "Dr Panelist")))
	paola, paolaToken := f.attendee("Paola")
	omar, _ := f.attendee("Omar")

	good := map[string]any{"question": map[string]string{"en": "Which network are you from?", "fr": "De quel réseau êtes-vous ?"},
		"options": []map[string]string{{"en": "Africa", "fr": "Afrique"}, {"en": "Europe", "fr": "Europe"}}}
	opts := func(n int) []map[string]string {
		out := make([]map[string]string, n)
		for i := range out {
			out[i] = map[string]string{"en": fmt.Sprint("option ", i)}
		}
		return out
	}
	bad := []struct {
		name string
		data any
	}{
		{"one option", map[string]any{"poll": map[string]any{"question": "Q?", "options": opts(1)}}},
		{"eleven options", map[string]any{"poll": map[string]any{"question": "Q?", "options": opts(11)}}},
		{"a question over 300 characters", map[string]any{"poll": map[string]any{"question": strings.Repeat("q", 301), "options": opts(2)}}},
		{"an option over 120 characters", map[string]any{"poll": map[string]any{"question": "Q?", "options": []string{strings.Repeat("o", 121), "b"}}}},
		{"an option missing a language of the question", map[string]any{"poll": map[string]any{"question": map[string]string{"en": "Q?", "fr": "Q ?"}, "options": opts(2)}}},
		{"no question", map[string]any{"poll": map[string]any{"options": opts(2)}}},
		{"neither a poll nor a prepared one", map[string]any{}},
		{"an unknown language", map[string]any{"poll": map[string]any{"question": map[string]string{"de": "Frage?"}, "options": opts(2)}}},
	}
	for _, tc := range bad {
		if code := host.refused(realtime.CmdPollCreate, tc.data); code != realtime.ErrBadMessage {
			t.Errorf("a poll with %s: %s", tc.name, code)
		}
	}
	if code := host.refused(realtime.CmdPollCreate, map[string]any{"prepared": "p-none"}); code != realtime.ErrUnknown {
		t.Errorf("a prepared poll that does not exist: %s", code)
	}
	if code := paola.refused(realtime.CmdPollCreate, map[string]any{"poll": good}); code != realtime.ErrForbidden {
		t.Errorf("an attendee creates a poll: %s", code)
	}

	host.send(realtime.CmdPollCreate, "", map[string]any{"poll": good})
	draft, env := host.poll()
	if draft.State != "draft" || env.To != realtime.ToStage {
		t.Fatalf("draft: %+v to %q", draft, env.To)
	}
	if p, _ := panelist.poll(); p.ID != draft.ID {
		t.Fatalf("the panelist sees %+v", p)
	}
	if code := paola.refused(realtime.CmdPollAnswer, map[string]any{"id": draft.ID, "choices": []int{0}}); code != realtime.ErrUnknown {
		t.Fatalf("an answer to a draft: %s (it must look missing)", code)
	}
	host.send(realtime.CmdPollOpen, "", map[string]string{"id": draft.ID})
	if p, _ := paola.poll(); p.State != "open" || p.ID != draft.ID {
		t.Fatalf("opened: %+v", p)
	}
	omar.poll()
	if code := host.refused(realtime.CmdPollOpen, map[string]string{"id": draft.ID}); code != realtime.ErrInvalidState {
		t.Fatalf("opening twice: %s", code)
	}

	answers := []struct {
		name    string
		choices []int
		want    realtime.ErrorCode
	}{
		{"two choices in a one-choice poll", []int{0, 1}, realtime.ErrBadMessage},
		{"no choice", []int{}, realtime.ErrBadMessage},
		{"no such option", []int{2}, realtime.ErrBadMessage},
	}
	for _, tc := range answers {
		if code := omar.refused(realtime.CmdPollAnswer, map[string]any{"id": draft.ID, "choices": tc.choices}); code != tc.want {
			t.Fatalf("an answer with %s: %s, want %s", tc.name, code, tc.want)
		}
	}
	paola.send(realtime.CmdPollAnswer, "a1", map[string]any{"id": draft.ID, "choices": []int{0}})
	if env := paola.upTo(realtime.MsgPollAnswered); env.ID != "a1" || env.Seq != 0 {
		t.Fatalf("answered: %+v", env)
	}
	res := host.upTo(realtime.MsgPollResults)
	if res.From != "" || res.Seq != 0 || !strings.Contains(string(res.Data), `"answers":1,"counts":[1,0]`) {
		t.Fatalf("live results to the host: %+v %s", res, res.Data)
	}
	if code := paola.refused(realtime.CmdPollAnswer, map[string]any{"id": draft.ID, "choices": []int{1}}); code != realtime.ErrInvalidState {
		t.Fatalf("a second answer: %s", code)
	}
	paola.conn.Close()
	paola, first := f.join("Paola again", "token="+url.QueryEscape(paolaToken))
	var w qaWelcomeT
	mustUnmarshal(t, first.Data, &w)
	if !slices.Equal(w.QA.You.Answered, []string{draft.ID}) || len(w.QA.Tallies) != 0 || len(w.QA.Polls) != 1 {
		t.Fatalf("Paola's welcome after a reconnect: %+v", w.QA)
	}
	if code := paola.refused(realtime.CmdPollAnswer, map[string]any{"id": draft.ID, "choices": []int{1}}); code != realtime.ErrInvalidState {
		t.Fatalf("an answer again after a reconnect: %s", code)
	}
	omar.send(realtime.CmdPollAnswer, "", map[string]any{"id": draft.ID, "choices": []int{1}})
	omar.upTo(realtime.MsgPollAnswered)

	// The close: final results to the stage, the close without them to
	// everyone; sharing shows them.
	host.send(realtime.CmdPollClose, "", map[string]string{"id": draft.ID})
	closed, env := host.poll()
	if closed.State != "closed" || closed.Results == nil || closed.Results.Answers != 2 || !slices.Equal(closed.Results.Counts, []int{1, 1}) || env.To != realtime.ToStage {
		t.Fatalf("closed, to the stage: %+v to %q", closed, env.To)
	}
	if p, _ := paola.poll(); p.State != "closed" || p.Results != nil {
		t.Fatalf("closed, to attendees: %+v", p)
	}
	if code := omar.refused(realtime.CmdPollAnswer, map[string]any{"id": draft.ID, "choices": []int{0}}); code != realtime.ErrInvalidState {
		t.Fatalf("an answer after the close: %s", code)
	}
	host.send(realtime.CmdPollShare, "", map[string]any{"id": draft.ID, "shared": true})
	if p, _ := paola.poll(); !p.Shared || p.Results == nil || p.Results.Answers != 2 {
		t.Fatalf("shared: %+v", p)
	}

	// Anonymity: the whole log, replayed to a page resuming from its
	// start, holds no answer and nothing from the answerers about the poll.
	replay, first := f.join("replay", fmt.Sprintf("token=%s&since=1&epoch=%s", url.QueryEscape(f.alice), host.epoch))
	if first.Type != realtime.MsgResume {
		t.Fatalf("replay: %s", first.Type)
	}
	for {
		env := replay.next()
		if env.Type == realtime.MsgJoin && env.From == replay.id {
			break
		}
		if strings.Contains(string(env.Data), "choices") || env.Type == realtime.MsgPollAnswered || env.Type == realtime.MsgPollResults {
			t.Fatalf("the log holds an answer: %s %s", env.Type, env.Data)
		}
		if env.Type == realtime.MsgPoll && env.From != host.id {
			t.Fatalf("a poll message from %q: %s", env.From, env.Data)
		}
	}
}

// TestPreparedPollsAndReport: polls prepared through the API (ETag,
// If-Match, 428, 412, 422 naming the field, nothing stored on a refusal)
// are used in the room; the report answers JSON, CSV (read by Python's
// csv) and the organizer app's questions tab in four languages.
func TestPreparedPollsAndReport(t *testing.T) {
	f := newQARoom(t)
	path := "/api/v1/events/" + roomEvent + "/polls"
	r := f.do(req{method: "GET", path: path, token: f.alice})
	if r.status != 200 || r.header.Get("ETag") != `"pl0"` || strings.TrimSpace(string(r.body)) != `{"polls":[]}` {
		t.Fatalf("no polls: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	good := `{"polls":[{"id":"network","question":{"en":"Which network?","fr":"Quel réseau ?","es":"¿Qué red?","ar":"أي شبكة؟"},
		"options":[{"en":"Africa","fr":"Afrique","es":"África","ar":"أفريقيا"},{"en":"Europe","fr":"Europe","es":"Europa","ar":"أوروبا"}]}]}`
	bad := []struct {
		name, body, ifMatch string
		status              int
		field               string
	}{
		{"no If-Match", good, "", 428, ""},
		{"a stale If-Match", good, `"pl7"`, 412, ""},
		{"one option", `{"polls":[{"id":"a","question":"Q?","options":["only"]}]}`, `"pl0"`, 422, "polls[0].options"},
		{"an option over 120 characters", `{"polls":[{"id":"a","question":"Q?","options":["` + strings.Repeat("o", 121) + `","b"]}]}`, `"pl0"`, 422, "polls[0].options[0].en"},
		{"a missing translation", `{"polls":[{"id":"a","question":{"en":"Q?","fr":"Q ?"},"options":["a","b"]}]}`, `"pl0"`, 422, "polls[0].options[0].fr"},
		{"two polls with one id", `{"polls":[{"id":"a","question":"Q?","options":["a","b"]},{"id":"a","question":"R?","options":["a","b"]}]}`, `"pl0"`, 422, "polls[1].id"},
		{"no id", `{"polls":[{"question":"Q?","options":["a","b"]}]}`, `"pl0"`, 422, "polls[0].id"},
		{"no polls field", `{}`, `"pl0"`, 422, "polls"},
		{"an unknown field", `{"polls":[],"extra":1}`, `"pl0"`, 400, ""},
	}
	for _, tc := range bad {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			h := map[string]string{"Content-Type": "application/json"}
			if tc.ifMatch != "" {
				h["If-Match"] = tc.ifMatch
			}
			r := f.do(req{method: "PUT", path: path, token: f.alice, body: tc.body, header: h})
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.field != "" {
				var e struct {
					Error struct {
						Fields map[string]string `json:"fields"`
					} `json:"error"`
				}
				mustUnmarshal(t, r.body, &e)
				if e.Error.Fields[tc.field] == "" {
					t.Fatalf("the error does not name %s: %s", tc.field, r.body)
				}
			}
			if got := f.do(req{method: "GET", path: path, token: f.alice}); got.header.Get("ETag") != `"pl0"` {
				t.Fatalf("a refused write stored something: %s", got.header.Get("ETag"))
			}
		})
	}
	r = f.do(req{method: "PUT", path: path, token: f.alice, body: good, header: map[string]string{"Content-Type": "application/json", "If-Match": `"pl0"`}})
	if r.status != 200 || r.header.Get("ETag") != `"pl1"` {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: path}); r.status != 401 {
		t.Fatalf("anonymous read: %d", r.status)
	}

	// The room uses it; answers and a question make the report.
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	paola, _ := f.attendee("Paola")
	host.send(realtime.CmdPollCreate, "", map[string]any{"prepared": "network"})
	p, _ := host.poll()
	host.send(realtime.CmdPollOpen, "", map[string]string{"id": p.ID})
	paola.poll()
	paola.send(realtime.CmdPollAnswer, "", map[string]any{"id": p.ID, "choices": []int{0}})
	paola.upTo(realtime.MsgPollAnswered)
	paola.send(realtime.CmdQuestionAsk, "", map[string]any{"text": `=HYPERLINK("x") and a "quote"`})
	q, _ := host.question()

	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/qa", token: f.alice})
	var rep struct {
		Questions []questionT `json:"questions"`
		Polls     []pollT     `json:"polls"`
	}
	mustUnmarshal(t, r.body, &rep)
	if r.status != 200 || len(rep.Questions) != 1 || rep.Questions[0].ID != q.ID || len(rep.Polls) != 1 || rep.Polls[0].Results == nil || rep.Polls[0].Results.Answers != 1 {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/qa/questions.csv", token: f.alice})
	rows := pyCSV(t, r.body)
	if r.status != 200 || len(rows) != 2 || rows[0][1] != "question" || rows[1][1] != `'=HYPERLINK("x") and a "quote"` || rows[1][2] != "Paola" {
		t.Fatalf("questions CSV: %d %q", r.status, rows)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/qa/polls.csv?lang=ar", token: f.alice})
	rows = pyCSV(t, r.body)
	if r.status != 200 || len(rows) != 3 || rows[1][1] != "أي شبكة؟" || rows[1][5] != "أفريقيا" || rows[1][6] != "1" || rows[2][6] != "0" {
		t.Fatalf("polls CSV: %d %q", r.status, rows)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/qa/polls.csv?lang=de", token: f.alice}); r.status != 400 {
		t.Fatalf("an unknown language: %d", r.status)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/qa", token: f.bob}); r.status != 200 {
		t.Fatalf("head office's other organizer: %d", r.status)
	}

	ck := f.signIn(f.aliceID)
	for _, tc := range []struct{ lang, heading, editor string }{{"en", "Questions and polls", "Prepared polls"}, {"fr", "Questions et sondages", "Sondages préparés"},
		{"es", "Preguntas y encuestas", "Encuestas preparadas"}, {"ar", "الأسئلة واستطلاعات الرأي", "استطلاعات معدّة مسبقًا"}} {
		res, body := f.browse(browserReq{method: "GET", path: "/organizer/events/" + roomEvent + "/questions?lang=" + tc.lang, cookie: ck})
		if res.StatusCode != 200 || !strings.Contains(body, tc.heading) || !strings.Contains(body, "Paola") || !strings.Contains(body, `aria-current="page"`) {
			t.Fatalf("%s: %d %s", tc.lang, res.StatusCode, body)
		}
		// The prepared polls' editor: the stored polls at their version.
		if !strings.Contains(body, tc.editor) || !strings.Contains(body, `id="polls-editor"`) || !strings.Contains(body, `data-version="1"`) ||
			!strings.Contains(body, `"id":"network"`) || !strings.Contains(body, "organizer-polls") {
			t.Fatalf("%s: the polls editor: %s", tc.lang, body)
		}
	}
}

// TestVotesCloseADayAfterTheEnd: a day after its event's end a room takes
// no more question votes or poll answers. The retention deletes what makes
// each person count once (a day after the end at the earliest), so a vote
// taken later — in a room joined again months after — would count twice.
func TestVotesCloseADayAfterTheEnd(t *testing.T) {
	var skew atomic.Int64 // the room's clock, ahead of the wall clock
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{CommandRate: 1000, CommandBurst: 1000,
			Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }},
			broker.NewMemory(broker.MemoryConfig{}), st)
	})
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	paola, _ := f.attendee("Paola")
	omar, _ := f.attendee("Omar")
	paola.send(realtime.CmdQuestionAsk, "", map[string]any{"text": "Will the plan be funded?"})
	q, _ := host.question()
	host.send(realtime.CmdPollCreate, "", map[string]any{"poll": map[string]any{"question": "Which network?", "options": []string{"Africa", "Europe"}}})
	p, _ := host.poll()
	host.send(realtime.CmdPollOpen, "", map[string]string{"id": p.ID})
	host.upTo(realtime.MsgPoll)

	e, err := f.st.GetEvent(context.Background(), roomEvent)
	if err != nil {
		t.Fatal(err)
	}
	end := e.End
	skew.Store(int64(time.Until(end) + realtime.AnswersKept - time.Minute))
	if code := paola.refusedOrNot(realtime.CmdQuestionVote, "v1", map[string]string{"id": q.ID}); code != "" {
		t.Fatalf("a vote a minute before the votes close: %s", code)
	}
	if code := paola.refusedOrNot(realtime.CmdPollAnswer, "a1", map[string]any{"id": p.ID, "choices": []int{0}}); code != "" {
		t.Fatalf("an answer a minute before the votes close: %s", code)
	}
	skew.Store(int64(time.Until(end) + realtime.AnswersKept + time.Minute))
	if code := omar.refusedOrNot(realtime.CmdQuestionVote, "v2", map[string]string{"id": q.ID}); code != realtime.ErrInvalidState {
		t.Fatalf("a vote a day after the end: %q", code)
	}
	if code := omar.refusedOrNot(realtime.CmdPollAnswer, "a2", map[string]any{"id": p.ID, "choices": []int{1}}); code != realtime.ErrInvalidState {
		t.Fatalf("an answer a day after the end: %q", code)
	}
}
