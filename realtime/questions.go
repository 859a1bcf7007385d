package realtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/poll"
)

// Questions in a webinar (issue 16): attendees ask, everyone votes a
// question up once, hosts and panelists (speakers) answer in writing or
// mark it answered live, dismiss it, or hold questions for moderation.
// The questions are part of the room's State (QA), changed by
// publishState like the floor and the webinar's settings: seq'd, logged,
// recovered with since, the same on every instance.
//
// Who asked: a named question carries the asker's display name and a
// one-way key of who they are (askerKey), so that their page finds its
// own questions again after a reconnect. An anonymous question (when a
// host allows them) carries neither: nothing in the state, the log, the
// messages or the server's logs names its asker; its asker sees it while
// it is held on the connection that asked only.
//
// Votes: a vote is recorded in the poll store (poll.Store.AnswerPoll, as
// a one-option poll named by the question's ID): the voter's one-way key
// (voterKey: per question, so keys do not link one person's votes) joins
// the question's set, atomically and once, on every instance; the voter
// gets question.voted at once. The room does not send a message per vote
// (a burst of 1,000 votes in a room of 1,000 would be a million
// deliveries): each instance publishes the counts its votes reached in
// one question.votes, at most every votesEvery, carrying absolute counts
// that only grow (the stored counts never fall), so that whichever
// instance publishes last, every page ends at the stored count.

// Questions' commands and messages.
const (
	CmdQASettings       MsgType = "qa.settings"       // a host allows anonymous questions, or holds them for moderation
	CmdQuestionAsk      MsgType = "question.ask"      // an attendee asks
	CmdQuestionVote     MsgType = "question.vote"     // vote a question up, once
	CmdQuestionAnswer   MsgType = "question.answer"   // a host or panelist answers in writing, or marks it answered live
	CmdQuestionModerate MsgType = "question.moderate" // a host or panelist shows, holds or dismisses a question

	MsgQA            MsgType = "qa"             // the questions' settings changed
	MsgQuestion      MsgType = "question"       // a question was asked or changed
	MsgQuestionVotes MsgType = "question.votes" // the vote counts of questions that changed (coalesced)
	MsgQuestionVoted MsgType = "question.voted" // your vote was recorded (to you only)
)

// votesEvery is how often one instance publishes the vote counts its
// votes changed, at most.
const votesEvery = 150 * time.Millisecond

// Limits on questions.
const (
	// MaxQuestion is the longest question, in characters.
	MaxQuestion = 500
	// MaxAnswer is the longest written answer, in characters.
	MaxAnswer = 2000
	// MaxQuestions is the most questions a room takes.
	MaxQuestions = 1000
	// QuestionsPerMinute is how many questions one person may ask in a
	// minute (counted by each instance).
	QuestionsPerMinute = 3
)

// QuestionStatus is where a question stands.
type QuestionStatus string

// Question statuses.
const (
	QuestionHeld      QuestionStatus = "held"      // waiting for moderation: hosts, panelists and its asker see it
	QuestionOpen      QuestionStatus = "open"      // shown to everyone
	QuestionAnswered  QuestionStatus = "answered"  // answered in writing or live, shown to everyone
	QuestionDismissed QuestionStatus = "dismissed" // taken away: hosts and panelists see it
)

// QA is a webinar's questions and polls, with their settings.
type QA struct {
	// Anonymous lets attendees ask without their name.
	Anonymous bool `json:"anonymous"`
	// Moderated holds new questions until a host or panelist shows them.
	Moderated bool       `json:"moderated"`
	Questions []Question `json:"questions,omitempty"`
	// Polls are the room's polls (polls.go).
	Polls []RoomPoll `json:"polls,omitempty"`
}

// Clone returns a deep copy of q.
func (q QA) Clone() QA {
	q.Questions = slices.Clone(q.Questions)
	q.Polls = slices.Clone(q.Polls)
	for i := range q.Polls {
		q.Polls[i] = q.Polls[i].clone()
	}
	return q
}

// Question is one question as the room keeps it.
type Question struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	// Name is the asker's display name; "" for an anonymous question.
	Name string `json:"name,omitempty"`
	// Asker is the one-way key of who asked a named question (askerKey);
	// "" for an anonymous one. Never sent to pages.
	Asker  string         `json:"asker,omitempty"`
	Status QuestionStatus `json:"status"`
	// Shown is set once everyone has seen the question: its later
	// changes go to everyone.
	Shown bool `json:"shown,omitempty"`
	// Answer is the written answer; Live marks one answered live.
	Answer string `json:"answer,omitempty"`
	Live   bool   `json:"live,omitempty"`
	// AnsweredBy is the display name of who answered.
	AnsweredBy string `json:"answered_by,omitempty"`
	// Votes is how many voted it up, as last published (question.votes):
	// the poll store holds the votes themselves.
	Votes int       `json:"votes"`
	Asked time.Time `json:"asked"`
}

// view is the question as pages get it: without the asker's key.
func (q Question) view() Question {
	q.Asker = ""
	return q
}

// public reports whether everyone sees the question.
func (q Question) public() bool { return q.Status == QuestionOpen || q.Status == QuestionAnswered }

// questionData is the data of a question message: the question as pages
// see it, and Key, the one-way key of a named question's asker, which
// every instance needs to apply it and which names nobody.
type questionData struct {
	Question
	Key string `json:"key,omitempty"`
}

// qaSettingsData is the data of qa.settings and of the qa message.
type qaSettingsData struct {
	Anonymous *bool `json:"anonymous"`
	Moderated *bool `json:"moderated"`
}

// votesData is the data of question.votes: question ID → votes.
type votesData struct {
	Votes map[string]int `json:"votes"`
}

// votedData is the data of question.voted.
type votedData struct {
	ID    string `json:"id"`
	Votes int    `json:"votes"`
}

// qaLocal is what one instance keeps about a room's questions and polls
// besides the state: when each person last asked (for the rate limit),
// the vote counts its votes reached, and the polls' live tallies
// (polls.go).
type qaLocal struct {
	asked     map[string][]time.Time // by askerKey
	tallies   map[string]poll.Tally  // by poll ID
	announced map[string]time.Time   // when each poll's tally was last announced from here
	dirty     map[string]bool        // polls whose tally changed since
	// votes is the count each question's last vote recorded here
	// reached; unsent lists the questions whose count the room's state
	// may not have yet; votesSent is when question.votes was last
	// published from here; votesWaiting: a vote came since.
	votes        map[string]int
	unsent       map[string]bool
	votesSent    time.Time
	votesWaiting bool
	// due fires at dueAt, when a vote count or a tally that waited may go
	// (qaDue); nil when nothing waits.
	due   <-chan time.Time
	dueAt time.Time
}

// qaKey is a one-way, per-room key of a subject for kind and scope.
func qaKey(kind, room, scope, subject string) string {
	sum := sha256.Sum256([]byte("majlis-" + kind + "\x00" + room + "\x00" + scope + "\x00" + subject))
	return hex.EncodeToString(sum[:12])
}

// askerKey is who asked a named question.
func (r *room) askerKey(m Member) string { return qaKey("asker", r.id, "", m.Subject) }

// voterKey is who voted question q up.
func (r *room) voterKey(q string, m Member) string { return qaKey("vote", r.id, q, m.Subject) }

// onStage reports whether m moderates questions and sees held ones: a
// host or a panelist.
func onStage(m Member) bool { return m.Role == RoleHost || m.Role == RoleSpeaker }

// qaChange publishes a change of a webinar's questions and polls: build
// changes a copy of the state and returns the message.
func (r *room) qaChange(build func(qa *QA) (Envelope, *Error)) *Error {
	if r.event.Kind != agenda.KindWebinar {
		return errorf(ErrInvalidState, "this session is not a webinar")
	}
	return r.publishState(func(st *State) (Envelope, *Error) {
		return build(&st.QA)
	}, nil)
}

// findQuestion returns the index of question id in qa, or an error that
// does not tell a held question from a missing one to those who may not
// see it.
func findQuestion(qa *QA, id string, m Member) (int, *Error) {
	i := slices.IndexFunc(qa.Questions, func(q Question) bool { return q.ID == id })
	if i < 0 || !qa.Questions[i].public() && !onStage(m) {
		return -1, errorf(ErrUnknown, "data.id: no question %q", clip(id, 40))
	}
	return i, nil
}

// questionMsg is the message announcing question q from author (or
// nobody): to everyone once it has been shown, else to the stage.
func questionMsg(q Question, from, key string) Envelope {
	to := ToStage
	if q.Shown || q.public() {
		to = ToEveryone
	}
	return Envelope{Type: MsgQuestion, From: from, To: to, Data: mustJSON(questionData{Question: q.view(), Key: key})}
}

func (r *room) qaSettings(c *Client, _ Envelope, d qaSettingsData) *Error {
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		if d.Anonymous != nil {
			qa.Anonymous = *d.Anonymous
		}
		if d.Moderated != nil {
			qa.Moderated = *d.Moderated
		}
		a, m := qa.Anonymous, qa.Moderated
		return Envelope{Type: MsgQA, From: c.member.ID, Data: mustJSON(qaSettingsData{Anonymous: &a, Moderated: &m})}, nil
	})
}

type askCmd struct {
	Text      string `json:"text"`
	Anonymous bool   `json:"anonymous"`
}

// questionAsk adds a question: held when the host moderates, else shown.
func (r *room) questionAsk(c *Client, _ Envelope, d askCmd) *Error {
	text := cleanText(d.Text)
	switch {
	case text == "":
		return errorf(ErrBadMessage, "data.text is empty")
	case usertext.Len(text) > MaxQuestion:
		return errorf(ErrTooLong, "data.text is over %d characters", MaxQuestion)
	case d.Anonymous && !r.state.QA.Anonymous:
		return errorf(ErrInvalidState, "the host does not take anonymous questions")
	case len(r.state.QA.Questions) >= MaxQuestions:
		return errorf(ErrInvalidState, "this webinar has taken its %d questions", MaxQuestions)
	}
	me := r.askerKey(c.member)
	now := r.node.cfg.Now()
	if r.qa.asked == nil {
		r.qa.asked = map[string][]time.Time{}
	}
	recent := slices.DeleteFunc(r.qa.asked[me], func(t time.Time) bool { return now.Sub(t) >= time.Minute })
	if len(recent) >= QuestionsPerMinute {
		r.qa.asked[me] = recent
		return errorf(ErrRateLimited, "at most %d questions a minute", QuestionsPerMinute)
	}
	q := Question{ID: agenda.NewID("q"), Text: text, Status: QuestionOpen, Asked: now.UTC().Truncate(time.Second)}
	from, key := "", ""
	if !d.Anonymous {
		q.Name, q.Asker = c.member.Name, me
		from, key = c.member.ID, me
	}
	var env Envelope
	e := r.qaChange(func(qa *QA) (Envelope, *Error) {
		if qa.Moderated {
			q.Status = QuestionHeld
		}
		qa.Questions = append(qa.Questions, q)
		env = questionMsg(q, from, key)
		return env, nil
	})
	if e != nil {
		return e
	}
	r.qa.asked[me] = append(recent, now)
	if env.To != ToEveryone && from == "" {
		// An anonymous asker is not the message's author: their own
		// connection alone gets it, unlogged, as it stands.
		r.send(c, Envelope{Type: MsgQuestion, Room: r.id, Data: mustJSON(questionData{Question: q.view()})})
	}
	return nil
}

type questionRef struct {
	ID string `json:"id"`
}

// questionVote votes a question up, once per person: the poll store
// records the vote, the voter gets question.voted, and the count waits
// for the next question.votes (noteVotes).
func (r *room) questionVote(c *Client, env Envelope, d questionRef) *Error {
	if r.event.Kind != agenda.KindWebinar {
		return errorf(ErrInvalidState, "this session is not a webinar")
	}
	i, e := findQuestion(&r.state.QA, d.ID, c.member)
	if e != nil {
		return e
	}
	q := r.state.QA.Questions[i]
	if !q.public() {
		return errorf(ErrInvalidState, "only questions shown to everyone take votes")
	}
	if e := r.answersClosed(); e != nil {
		return e
	}
	s, e := r.pollStore()
	if e != nil {
		return e
	}
	key := r.voterKey(q.ID, c.member)
	r.offload(func(ctx context.Context) func(r *room) {
		t, err := s.AnswerPoll(ctx, r.id, q.ID, key, []int{0}, 1)
		return func(r *room) {
			switch {
			case err == nil:
				if r.clients[c.member.ID] == c { // still here: the ack first
					r.send(c, Envelope{Type: MsgQuestionVoted, Room: r.id, ID: env.ID, Data: mustJSON(votedData{ID: q.ID, Votes: t.Answers})})
				}
				r.noteVotes(q.ID, t.Answers)
			case r.clients[c.member.ID] != c:
			case errors.Is(err, poll.ErrAnswered):
				r.reply(c, errorf(ErrInvalidState, "you have voted this question up already"), env.ID)
			default:
				r.reply(c, pollError(err), env.ID)
			}
		}
	})
	return nil
}

// noteVotes keeps the count a vote recorded here reached, and publishes
// it now, or when votesEvery has passed since the last publication.
func (r *room) noteVotes(id string, n int) {
	if r.qa.votes == nil {
		r.qa.votes, r.qa.unsent = map[string]int{}, map[string]bool{}
	}
	if n <= r.qa.votes[id] {
		return
	}
	r.qa.votes[id], r.qa.unsent[id], r.qa.votesWaiting = n, true, true
	if wait := votesEvery - r.node.cfg.Now().Sub(r.qa.votesSent); wait > 0 {
		r.qaWake(wait)
		return
	}
	r.publishVotes()
}

// qaWake makes due fire after wait, or sooner if it fires sooner already.
func (r *room) qaWake(wait time.Duration) {
	at := time.Now().Add(wait)
	if r.qa.due != nil && !at.Before(r.qa.dueAt) {
		return
	}
	r.qa.due, r.qa.dueAt = time.After(wait), at
}

// qaDue publishes the vote counts and announces the tallies that waited
// and may go now, and waits again for those that may not yet. Run by the
// room goroutine when due fires.
func (r *room) qaDue() {
	r.qa.due = nil
	now := r.node.cfg.Now()
	if r.qa.votesWaiting {
		if wait := votesEvery - now.Sub(r.qa.votesSent); wait > 0 {
			r.qaWake(wait)
		} else {
			r.publishVotes()
		}
	}
	for id := range r.qa.dirty {
		if wait := resultsEvery - now.Sub(r.qa.announced[id]); wait > 0 {
			r.qaWake(wait)
		} else {
			r.announceTally(id)
		}
	}
}

// errNoVotes ends a question.votes with nothing to publish.
var errNoVotes = errorf(ErrInvalidState, "no new votes")

// publishVotes publishes, in one question.votes, the counts recorded here
// that are above the state's, for the questions everyone sees; those of
// a question held or dismissed meanwhile wait until it is shown again
// (qaTick retries).
func (r *room) publishVotes() {
	r.qa.votesWaiting = false
	if len(r.qa.unsent) == 0 {
		return
	}
	r.qa.votesSent = r.node.cfg.Now()
	var sent []string
	e := r.qaChange(func(qa *QA) (Envelope, *Error) {
		d := votesData{Votes: map[string]int{}}
		sent = sent[:0]
		for i := range qa.Questions {
			q := &qa.Questions[i]
			n, ok := r.qa.votes[q.ID]
			if !ok || !r.qa.unsent[q.ID] {
				continue
			}
			if n <= q.Votes {
				sent = append(sent, q.ID) // another instance published as much
				continue
			}
			if !q.public() {
				continue
			}
			q.Votes, d.Votes[q.ID] = n, n
			sent = append(sent, q.ID)
		}
		if len(d.Votes) == 0 {
			return Envelope{}, errNoVotes
		}
		return Envelope{Type: MsgQuestionVotes, Data: mustJSON(d)}, nil
	})
	if e != nil && e != errNoVotes {
		r.node.log.Warn("room: publish vote counts", "room", r.id, "err", e.Message)
		return // unsent: qaTick tries again
	}
	for _, id := range sent {
		delete(r.qa.unsent, id)
	}
}

type answerCmd struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Live bool   `json:"live"`
}

// questionAnswer answers a question in writing, or marks it answered
// live; either shows it to everyone.
func (r *room) questionAnswer(c *Client, _ Envelope, d answerCmd) *Error {
	text := cleanText(d.Text)
	switch {
	case text == "" && !d.Live:
		return errorf(ErrBadMessage, "data: a written answer (text) or live: true")
	case text != "" && d.Live:
		return errorf(ErrBadMessage, "data: text or live, not both")
	case usertext.Len(text) > MaxAnswer:
		return errorf(ErrTooLong, "data.text is over %d characters", MaxAnswer)
	}
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findQuestion(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		q := &qa.Questions[i]
		if q.Status == QuestionDismissed {
			return Envelope{}, errorf(ErrInvalidState, "the question was dismissed: show it first")
		}
		q.Status, q.Answer, q.Live, q.AnsweredBy, q.Shown = QuestionAnswered, text, d.Live, c.member.Name, true
		return questionMsg(*q, c.member.ID, ""), nil
	})
}

type moderateCmd struct {
	ID     string         `json:"id"`
	Status QuestionStatus `json:"status"`
}

// questionModerate shows a question (open), holds it back or dismisses it.
func (r *room) questionModerate(c *Client, _ Envelope, d moderateCmd) *Error {
	if !slices.Contains([]QuestionStatus{QuestionOpen, QuestionHeld, QuestionDismissed}, d.Status) {
		return errorf(ErrBadMessage, `data.status must be "open", "held" or "dismissed"`)
	}
	return r.qaChange(func(qa *QA) (Envelope, *Error) {
		i, e := findQuestion(qa, d.ID, c.member)
		if e != nil {
			return Envelope{}, e
		}
		q := &qa.Questions[i]
		if q.Status == d.Status {
			return Envelope{}, errorf(ErrInvalidState, "the question is %s already", d.Status)
		}
		q.Status = d.Status
		if d.Status == QuestionOpen {
			q.Shown = true
			q.Answer, q.Live, q.AnsweredBy = "", false, ""
		}
		return questionMsg(*q, c.member.ID, ""), nil
	})
}

// applyQA applies a questions' or polls' message to the state, the same
// way on every instance.
func (r *room) applyQA(env Envelope) {
	qa := &r.state.QA
	switch env.Type {
	case MsgQA:
		var d qaSettingsData
		if json.Unmarshal(env.Data, &d) == nil && d.Anonymous != nil && d.Moderated != nil {
			qa.Anonymous, qa.Moderated = *d.Anonymous, *d.Moderated
		}
	case MsgQuestion:
		var d questionData
		if json.Unmarshal(env.Data, &d) != nil {
			return
		}
		i := slices.IndexFunc(qa.Questions, func(q Question) bool { return q.ID == d.ID })
		if i < 0 {
			d.Question.Asker = d.Key
			qa.Questions = append(qa.Questions, d.Question)
			return
		}
		q := &qa.Questions[i]
		asker := q.Asker
		*q = d.Question
		q.Asker = asker
	case MsgQuestionVotes:
		var d votesData
		if json.Unmarshal(env.Data, &d) != nil {
			return
		}
		for i := range qa.Questions {
			if n, ok := d.Votes[qa.Questions[i].ID]; ok {
				// Counts only grow: a late, lower count changes nothing.
				qa.Questions[i].Votes = max(qa.Questions[i].Votes, n)
			}
		}
	case MsgPoll, MsgPollResults:
		r.applyPoll(env)
	}
}
