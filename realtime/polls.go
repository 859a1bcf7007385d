package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/poll"
)

// Polls in a webinar (issue 16): a host creates a poll live or from those
// prepared for the event (poll.Store), opens it, closes it, and shares its
// results with attendees or not. The polls (question, options, state) are
// part of the room's State (QA.Polls), published like the questions.
//
// Answers are anonymous and once per person: an answer is recorded in the
// poll store (poll.Store.AnswerPoll: the person's one-way key in a set,
// the counts apart), never in the room's log or state. The answerer alone
// gets poll.answered; the live tally travels as an ephemeral poll.results
// (no author, no seq) to the stage, and to everyone once shared, at most
// every resultsEvery from each instance. The final tally is in the state
// from the close.

// Polls' commands and messages.
const (
	CmdPollCreate MsgType = "poll.create" // a host drafts a poll, live or from a prepared one
	CmdPollOpen   MsgType = "poll.open"   // a host opens a draft to answers
	CmdPollClose  MsgType = "poll.close"  // a host closes it; the final tally is kept
	CmdPollShare  MsgType = "poll.share"  // a host shares the results with attendees (or stops)
	CmdPollAnswer MsgType = "poll.answer" // answer an open poll, once

	MsgPoll         MsgType = "poll"          // a poll was created or changed
	MsgPollResults  MsgType = "poll.results"  // a poll's live tally (ephemeral)
	MsgPollAnswered MsgType = "poll.answered" // your answer was recorded (to you only)
)

// MaxRoomPolls is the most polls a room holds.
const MaxRoomPolls = 50

// resultsEvery is how often one instance announces a poll's live tally at
// most.
const resultsEvery = 250 * time.Millisecond

// PollState is where a poll stands.
type PollState string

// Poll states.
const (
	PollDraft  PollState = "draft"  // created: hosts and panelists see it
	PollOpen   PollState = "open"   // everyone sees it and may answer
	PollClosed PollState = "closed" // no more answers; results kept
)

// RoomPoll is a poll in a room.
type RoomPoll struct {
	poll.Poll
	State PollState `json:"state"`
	// Shared: attendees see the results (live while open).
	Shared bool `json:"shared"`
	// Prepared is the ID of the prepared poll it was made from, if any.
	Prepared string `json:"prepared,omitempty"`
	// Results is the final tally, set at the close.
	Results *poll.Tally `json:"results,omitempty"`
}

func (p RoomPoll) clone() RoomPoll {
	p.Question = maps.Clone(p.Question)
	p.Options = slices.Clone(p.Options)
	for i := range p.Options {
		p.Options[i] = maps.Clone(p.Options[i])
	}
	if p.Results != nil {
		t := *p.Results
		t.Counts = slices.Clone(t.Counts)
		p.Results = &t
	}
	return p
}

// pollData is the data of poll.results and poll.answered.
type pollResultsData struct {
	ID string `json:"id"`
	poll.Tally
}

// pollStore returns the store of answers and prepared polls.
func (r *room) pollStore() (poll.Store, *Error) {
	s, ok := r.node.info.(poll.Store)
	if !ok {
		return nil, errorf(ErrUnavailable, "this service keeps no polls")
	}
	return s, nil
}

func pollError(err error) *Error {
	var ve *poll.ValidationError
	switch {
	case errors.As(err, &ve):
		return errorf(ErrBadMessage, "%s", ve.Error())
	case errors.Is(err, poll.ErrAnswered):
		return errorf(ErrInvalidState, "you have answered this poll already")
	case errors.Is(err, poll.ErrClosed):
		return errorf(ErrInvalidState, "the poll is closed")
	case errors.Is(err, poll.ErrNotFound):
		return errorf(ErrUnknown, "no such prepared poll")
	}
	return errorf(ErrUnavailable, "the polls could not be reached; it is unknown whether that was recorded")
}

// findPoll returns the index of poll id; drafts are unknown to attendees.
func findPoll(qa *QA, id string, m Member) (int, *Error) {
	i := slices.IndexFunc(qa.Polls, func(p RoomPoll) bool { return p.ID == id })
	if i < 0 || qa.Polls[i].State == PollDraft && !onStage(m) {
		return -1, errorf(ErrUnknown, "data.id: no poll %q", clip(id, 40))
	}
	return i, nil
}

// pollMsg announces p: drafts to the stage, the others to everyone, with
// the final results only when withResults.
func pollMsg(p RoomPoll, from string, withResults bool) Envelope {
	to := ToEveryone
	if p.State == PollDraft {
		to = ToStage
	}
	if !withResults {
		p.Results = nil
	}
	return Envelope{Type: MsgPoll, From: from, To: to, Data: mustJSON(p)}
}

type pollCreateCmd struct {
	Poll     *poll.Poll `json:"poll"`
	Prepared string     `json:"prepared"`
}

// pollCreate drafts a poll: written live, or one prepared for the event.
func (r *room) pollCreate(c *Client, _ Envelope, d pollCreateCmd) *Error {
	if (d.Poll == nil) == (d.Prepared == "") {
		return errorf(ErrBadMessage, "data: a poll, or the ID of a prepared one (prepared)")
	}
	if len(r.state.QA.Polls) >= MaxRoomPolls {
		return errorf(ErrInvalidState, "this webinar holds %d polls already", MaxRoomPolls)
	}
	var p RoomPoll
	if d.Poll != nil {
		p.Poll = d.Poll.Clean()
		p.ID = ""
		if err := p.Poll.Validate(); err != nil {
			return pollError(err)
		}
	} else {
		s, e := r.pollStore()
		if e != nil {
			return e
		}
		ctx, cancel := r.callContext()
		set, err := s.PreparedPolls(ctx, r.id)
		cancel()
		if err != nil {
			return pollError(err)
		}
		prepared, ok := set.Find(d.Prepared)
		if !ok {
			return errorf(ErrUnknown, "data.prepared: no prepared poll %q", clip(d.Prepared, 40))
		}
		p.Poll, p.Prepared = prepared, prepared.ID
	}
	p.ID, p.State = agenda.NewID("p"), PollDraft
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		qa.Polls = append(qa.Polls, p)
		return pollMsg(p, c.member.ID, false), nil
	})
}

type pollRef struct {
	ID string `json:"id"`
}

// pollOpen opens a draft to answers.
func (r *room) pollOpen(c *Client, _ Envelope, d pollRef) *Error {
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findPoll(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		p := &qa.Polls[i]
		if p.State != PollDraft {
			return Envelope{}, errorf(ErrInvalidState, "the poll is %s already", p.State)
		}
		p.State = PollOpen
		return pollMsg(*p, c.member.ID, false), nil
	})
}

// pollClose closes an open poll and keeps its final tally. Unshared
// results go to the stage in a message of their own.
func (r *room) pollClose(c *Client, _ Envelope, d pollRef) *Error {
	i, e := findPoll(&r.state.QA, d.ID, c.member)
	if e != nil {
		return e
	}
	if p := r.state.QA.Polls[i]; p.State != PollOpen {
		return errorf(ErrInvalidState, "only an open poll closes; this one is %s", p.State)
	}
	s, e := r.pollStore()
	if e != nil {
		return e
	}
	// The store closes first: no instance records an answer after the
	// final tally, even one that has not seen the close yet.
	ctx, cancel := r.callContext()
	final, err := s.ClosePoll(ctx, r.id, d.ID, len(r.state.QA.Polls[i].Options))
	cancel()
	if err != nil {
		return pollError(err)
	}
	shared := false
	e = r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findPoll(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		p := &qa.Polls[i]
		if p.State != PollOpen {
			return Envelope{}, errorf(ErrInvalidState, "only an open poll closes; this one is %s", p.State)
		}
		p.State, p.Results, shared = PollClosed, &final, p.Shared
		msg := pollMsg(*p, c.member.ID, true)
		if !shared {
			msg.To = ToStage
		}
		return msg, nil
	})
	if e != nil || shared {
		return e
	}
	// Everyone learns of the close, without the results.
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findPoll(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		return pollMsg(qa.Polls[i], c.member.ID, qa.Polls[i].Shared), nil
	})
}

type pollShareCmd struct {
	ID     string `json:"id"`
	Shared bool   `json:"shared"`
}

// pollShare shows the results to attendees, or stops showing them.
func (r *room) pollShare(c *Client, _ Envelope, d pollShareCmd) *Error {
	e := r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findPoll(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		p := &qa.Polls[i]
		if p.State == PollDraft {
			return Envelope{}, errorf(ErrInvalidState, "open the poll first")
		}
		if p.Shared == d.Shared {
			return Envelope{}, errorf(ErrInvalidState, "that is so already")
		}
		p.Shared = d.Shared
		return pollMsg(*p, c.member.ID, p.Shared), nil
	})
	if e == nil && d.Shared {
		r.announceTally(d.ID)
	}
	return e
}

type pollAnswerCmd struct {
	ID      string `json:"id"`
	Choices []int  `json:"choices"`
}

// pollAnswer records an answer in the poll store, once per person; the
// room's log gets nothing.
// AnswersKept is how long after its event's end a room takes question
// votes and poll answers. What makes each person count once — the one-way
// keys in the poll store — is deleted with the registrations' retention, a
// day after the end at the earliest (retention_days ≥ 1): a vote taken
// after that would count a second time.
const AnswersKept = 24 * time.Hour

// answersClosed refuses a vote or an answer once AnswersKept has passed
// since the event's end.
func (r *room) answersClosed() *Error {
	if end := r.event.End; !end.IsZero() && !r.node.cfg.Now().Before(end.Add(AnswersKept)) {
		return errorf(ErrInvalidState, "the event has ended: its questions and polls take no more votes")
	}
	return nil
}

func (r *room) pollAnswer(c *Client, env Envelope, d pollAnswerCmd) *Error {
	i, e := findPoll(&r.state.QA, d.ID, c.member)
	if e != nil {
		return e
	}
	p := r.state.QA.Polls[i]
	if p.State != PollOpen {
		return errorf(ErrInvalidState, "the poll is not open")
	}
	if len(d.Choices) > poll.MaxOptions {
		return errorf(ErrBadMessage, "data.choices: at most %d", poll.MaxOptions)
	}
	if err := p.Check(d.Choices); err != nil {
		return pollError(err)
	}
	if e := r.answersClosed(); e != nil {
		return e
	}
	s, e := r.pollStore()
	if e != nil {
		return e
	}
	key := qaKey("poll", r.id, p.ID, c.member.Subject)
	r.offload(func(ctx context.Context) func(r *room) {
		t, err := s.AnswerPoll(ctx, r.id, p.ID, key, d.Choices, len(p.Options))
		return func(r *room) {
			here := r.clients[c.member.ID] == c
			switch {
			case err == nil:
				if here {
					r.send(c, Envelope{Type: MsgPollAnswered, Room: r.id, ID: env.ID, Data: mustJSON(pollRef{ID: p.ID})})
				}
				r.noteTally(p.ID, t)
			case here:
				r.reply(c, pollError(err), env.ID)
			}
		}
	})
	return nil
}

// offloadReq hands the result of an offloaded call back to the room
// goroutine.
type offloadReq struct{ done func(r *room) }

func (q offloadReq) handle(r *room) { q.done(r) }

// offload runs call off the room goroutine — a store write that waits for
// a disk or for Redis, so that a burst of votes or answers is written
// concurrently (bbolt's Batch shares their commits) while the room goes on
// — and then, on the room goroutine, what call returns. The node's calls
// group owns the goroutine; call gets a context bounded by backendTimeout.
func (r *room) offload(call func(ctx context.Context) func(r *room)) {
	r.node.calls.Add(1)
	go func() {
		defer r.node.calls.Done()
		ctx, cancel := r.callContext()
		done := call(ctx)
		cancel()
		r.post(offloadReq{done: done})
	}()
}

// noteTally keeps t if it is newer than the tally known here, and
// announces it, at most every resultsEvery (qaDue sends what waits).
func (r *room) noteTally(id string, t poll.Tally) {
	if !r.keepTally(id, t) {
		return
	}
	wait := resultsEvery - r.node.cfg.Now().Sub(r.qa.announced[id])
	if wait <= 0 {
		r.announceTally(id)
		return
	}
	if r.qa.dirty == nil {
		r.qa.dirty = map[string]bool{}
	}
	r.qa.dirty[id] = true
	r.qaWake(wait)
}

// keepTally records t for poll id when it counts more answers than the
// tally known here.
func (r *room) keepTally(id string, t poll.Tally) bool {
	if r.qa.tallies == nil {
		r.qa.tallies = map[string]poll.Tally{}
	}
	if old, ok := r.qa.tallies[id]; ok && old.Answers >= t.Answers {
		return false
	}
	r.qa.tallies[id] = t
	return true
}

// announceTally sends poll id's live tally to every instance: to the
// stage, or to everyone when shared.
func (r *room) announceTally(id string) {
	i := slices.IndexFunc(r.state.QA.Polls, func(p RoomPoll) bool { return p.ID == id })
	if i < 0 || r.state.QA.Polls[i].State != PollOpen {
		return
	}
	t, ok := r.qa.tallies[id]
	if !ok {
		t = poll.Tally{Counts: make([]int, len(r.state.QA.Polls[i].Options))}
	}
	if r.qa.announced == nil {
		r.qa.announced = map[string]time.Time{}
	}
	r.qa.announced[id] = r.node.cfg.Now()
	delete(r.qa.dirty, id)
	out := Envelope{Type: MsgPollResults, To: ToStage, Data: mustJSON(pollResultsData{ID: id, Tally: t})}
	if r.state.QA.Polls[i].Shared {
		out.To = ToEveryone
	}
	ctx, cancel := r.callContext()
	defer cancel()
	if err := r.node.backend.Announce(ctx, r.id, &out); err != nil {
		r.node.log.Warn("room: announce a poll's tally", "room", r.id, "err", err)
	}
}

// qaTick announces the tallies that waited for resultsEvery, and the
// vote counts not published yet (those of a question shown again, or
// after a failed publication).
func (r *room) qaTick() {
	if len(r.qa.unsent) > 0 && r.node.cfg.Now().Sub(r.qa.votesSent) >= votesEvery {
		r.publishVotes()
	}
	for id := range r.qa.dirty {
		if r.node.cfg.Now().Sub(r.qa.announced[id]) >= resultsEvery {
			r.announceTally(id)
		}
	}
}

// noteEphemeral keeps what an ephemeral message tells the room: another
// instance's tally.
func (r *room) noteEphemeral(env Envelope) {
	if env.Type != MsgPollResults {
		return
	}
	var d pollResultsData
	if json.Unmarshal(env.Data, &d) == nil {
		r.keepTally(d.ID, d.Tally)
	}
}

// applyPoll applies a poll message: the poll replaces the room's copy,
// whose final results stay when the message has none.
func (r *room) applyPoll(env Envelope) {
	var p RoomPoll
	if json.Unmarshal(env.Data, &p) != nil {
		return
	}
	qa := &r.state.QA
	i := slices.IndexFunc(qa.Polls, func(x RoomPoll) bool { return x.ID == p.ID })
	if i < 0 {
		qa.Polls = append(qa.Polls, p)
		return
	}
	if p.Results == nil {
		p.Results = qa.Polls[i].Results
	}
	qa.Polls[i] = p
}

// liveTally returns the tally of open poll p known here, reading it from
// the store the first time (a room just loaded).
func (r *room) liveTally(ctx context.Context, p RoomPoll) poll.Tally {
	if t, ok := r.qa.tallies[p.ID]; ok {
		return t
	}
	t := poll.Tally{Counts: make([]int, len(p.Options))}
	if s, e := r.pollStore(); e == nil {
		if read, err := s.PollTally(ctx, r.id, p.ID, len(p.Options)); err == nil {
			t = read
			r.keepTally(p.ID, t)
		}
	}
	return t
}

// qaYou is what the room tells one member of their own questions, votes
// and answers.
type qaYou struct {
	// Asked are the questions you asked with your name.
	Asked []string `json:"asked"`
	// Voted are the questions you voted up.
	Voted []string `json:"voted"`
	// Answered are the open polls you answered.
	Answered []string `json:"answered"`
}

// qaView is the questions and polls as one member sees them in a welcome.
type qaView struct {
	Anonymous bool       `json:"anonymous"`
	Moderated bool       `json:"moderated"`
	Questions []Question `json:"questions"`
	Polls     []RoomPoll `json:"polls"`
	// Tallies are the live tallies of the open polls whose results you
	// see.
	Tallies map[string]poll.Tally `json:"tallies"`
	You     qaYou                 `json:"you"`
}

// qaWelcome is the ,"qa":{…} part of c's welcome.
func (r *room) qaWelcome(c *Client) []byte {
	qa := r.state.QA
	if r.event.Kind != agenda.KindWebinar {
		return nil
	}
	stage := onStage(c.member)
	v := qaView{Anonymous: qa.Anonymous, Moderated: qa.Moderated, Questions: []Question{}, Polls: []RoomPoll{},
		Tallies: map[string]poll.Tally{}, You: qaYou{Asked: []string{}, Voted: []string{}, Answered: []string{}}}
	me := r.askerKey(c.member)
	voters := map[string]string{}
	for _, q := range qa.Questions {
		mine := q.Asker != "" && q.Asker == me
		if mine {
			v.You.Asked = append(v.You.Asked, q.ID)
		}
		if !stage && !q.public() && !mine {
			continue
		}
		if q.public() {
			voters[q.ID] = r.voterKey(q.ID, c.member)
		}
		v.Questions = append(v.Questions, q.view())
	}
	ctx, cancel := r.callContext()
	defer cancel()
	store, _ := r.pollStore()
	if store != nil && len(voters) > 0 {
		if voted, err := store.PollsAnswered(ctx, r.id, voters); err == nil {
			v.You.Voted = voted
		}
	}
	for _, p := range qa.Polls {
		if p.State == PollDraft && !stage {
			continue
		}
		if !stage && !p.Shared {
			p.Results = nil
		}
		v.Polls = append(v.Polls, p)
		if p.State != PollOpen {
			continue
		}
		if stage || p.Shared {
			v.Tallies[p.ID] = r.liveTally(ctx, p)
		}
		if store != nil {
			if done, err := store.PollAnswered(ctx, r.id, p.ID, qaKey("poll", r.id, p.ID, c.member.Subject)); err == nil && done {
				v.You.Answered = append(v.You.Answered, p.ID)
			}
		}
	}
	return append([]byte(`,"qa":`), mustJSON(v)...)
}

// qaResumed sends a resumed client the live tallies it may see, which
// the log does not hold.
func (r *room) qaResumed(c *Client) {
	if r.event.Kind != agenda.KindWebinar {
		return
	}
	ctx, cancel := r.callContext()
	defer cancel()
	for _, p := range r.state.QA.Polls {
		if p.State == PollOpen && (onStage(c.member) || p.Shared) {
			r.send(c, Envelope{Type: MsgPollResults, Room: r.id, Data: mustJSON(pollResultsData{ID: p.ID, Tally: r.liveTally(ctx, p)})})
		}
	}
}

// Report is a webinar's questions and polls as its organizers review
// them: every question (held and dismissed ones too, without keys), and
// every poll with its final tally, or its live tally while open.
type Report struct {
	Questions []Question `json:"questions"`
	Polls     []RoomPoll `json:"polls"`
}

// QA returns room's questions and polls as the backend holds them (an
// empty report for a room that never ran).
func (n *Node) QA(ctx context.Context, roomID string) (Report, error) {
	rep := Report{Questions: []Question{}, Polls: []RoomPoll{}}
	snap, err := n.backend.Snapshot(ctx, roomID)
	if err != nil {
		return Report{}, fmt.Errorf("realtime: questions and polls: %w", err)
	}
	qa := snap.State.QA.Clone()
	store, _ := n.info.(poll.Store)
	for _, q := range qa.Questions {
		if store != nil {
			// The stored count: the state's may be a publication behind.
			t, err := store.PollTally(ctx, roomID, q.ID, 1)
			if err != nil {
				return Report{}, fmt.Errorf("realtime: questions and polls: %w", err)
			}
			q.Votes = max(q.Votes, t.Answers)
		}
		rep.Questions = append(rep.Questions, q.view())
	}
	for _, p := range qa.Polls {
		if p.State == PollOpen && store != nil {
			t, err := store.PollTally(ctx, roomID, p.ID, len(p.Options))
			if err != nil {
				return Report{}, fmt.Errorf("realtime: questions and polls: %w", err)
			}
			p.Results = &t
		}
		rep.Polls = append(rep.Polls, p)
	}
	return rep, nil
}
