package poll

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/internal/violation"
)

// Limits on a poll.
const (
	// MaxQuestion is the longest question, in characters per language.
	MaxQuestion = 300
	// MaxOption is the longest option, in characters per language.
	MaxOption = 120
	// MinOptions and MaxOptions bound a poll's options.
	MinOptions, MaxOptions = 2, 10
	// MaxPrepared is the most polls an event may have prepared.
	MaxPrepared = 30
	// MaxID is the longest poll ID.
	MaxID = 40
)

// Sentinel errors.
var (
	// ErrNotFound: no such prepared poll.
	ErrNotFound = errors.New("poll: not found")
	// ErrConflict: the version given is not the stored one.
	ErrConflict = errors.New("poll: version conflict")
	// ErrAnswered: this person has answered this poll already; nothing
	// was recorded.
	ErrAnswered = errors.New("poll: already answered")
	// ErrClosed: the poll is closed and takes no more answers.
	ErrClosed = errors.New("poll: closed")
	// ErrInvalid: the input breaks a rule; wrapped in a *ValidationError.
	ErrInvalid = errors.New("poll: invalid")
	// ErrUnavailable: the store could not be reached; for an answer, it
	// is unknown whether it was recorded.
	ErrUnavailable = errors.New("poll: store unavailable")
)

// ValidationError lists the fields that break a rule, keyed by JSON path
// ("options[2].fr"). It matches ErrInvalid with errors.Is.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string { return violation.Message("poll", e.Fields) }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Poll is one question and its options, in one or more of the alliance's
// languages.
type Poll struct {
	// ID names the poll in its event (prepared) or room (live).
	ID       string        `json:"id"`
	Question agenda.Text   `json:"question"`
	Options  []agenda.Text `json:"options"`
	// Multiple lets a person choose several options (at least one).
	Multiple bool `json:"multiple"`
}

// Clean returns p with every text cleaned (usertext, one line) and empty
// languages dropped.
func (p Poll) Clean() Poll {
	clean := func(t agenda.Text) agenda.Text {
		out := agenda.Text{}
		for lang, s := range t {
			if s = usertext.Clean(s, usertext.Line); s != "" {
				out[lang] = s
			}
		}
		return out
	}
	p.Question = clean(p.Question)
	opts := make([]agenda.Text, len(p.Options))
	for i, o := range p.Options {
		opts[i] = clean(o)
	}
	p.Options = opts
	return p
}

// Validate checks p's limits (after Clean): a question in at least one
// language, MinOptions to MaxOptions options each in the question's
// languages, every text within its length, known languages only.
func (p Poll) Validate() error {
	bad := map[string]string{}
	text := func(field string, t agenda.Text, max int) {
		if len(t) == 0 {
			violation.Add(bad, field, "required, in at least one language")
		}
		for lang, s := range t {
			if !agenda.KnownLanguage(lang) {
				violation.Add(bad, field+"."+lang, "unknown language (one of %v)", agenda.Languages)
			} else if why := usertext.Problem(s, usertext.Line, max); why != "" {
				violation.Add(bad, field+"."+lang, "%s", why)
			}
		}
	}
	if len(p.ID) > MaxID {
		violation.Add(bad, "id", "at most %d characters", MaxID)
	}
	text("question", p.Question, MaxQuestion)
	if n := len(p.Options); n < MinOptions || n > MaxOptions {
		violation.Add(bad, "options", "%d to %d options, not %d", MinOptions, MaxOptions, n)
	}
	for i, o := range p.Options {
		if i >= MaxOptions {
			break
		}
		field := fmt.Sprintf("options[%d]", i)
		text(field, o, MaxOption)
		for lang := range p.Question {
			if o[lang] == "" && len(o) > 0 {
				violation.Add(bad, field+"."+lang, "missing: the question is in this language")
			}
		}
	}
	if len(bad) > 0 {
		return &ValidationError{Fields: bad}
	}
	return nil
}

// Check reports whether choices is a valid answer to p: option indexes,
// no repeats, one unless Multiple (then at least one).
func (p Poll) Check(choices []int) error {
	bad := map[string]string{}
	switch {
	case len(choices) == 0:
		violation.Add(bad, "choices", "choose an option")
	case len(choices) > 1 && !p.Multiple:
		violation.Add(bad, "choices", "this poll takes one choice")
	}
	for i, c := range choices {
		if c < 0 || c >= len(p.Options) {
			violation.Add(bad, fmt.Sprintf("choices[%d]", i), "no option %d (0 to %d)", c, len(p.Options)-1)
		} else if slices.Index(choices, c) != i {
			violation.Add(bad, fmt.Sprintf("choices[%d]", i), "option %d chosen twice", c)
		}
	}
	if len(bad) > 0 {
		return &ValidationError{Fields: bad}
	}
	return nil
}

// Set is the polls prepared for one event, in order, with a version that
// every write moves.
type Set struct {
	Event   string `json:"event"`
	Version int64  `json:"version"`
	Polls   []Poll `json:"polls"`
}

// Find returns the poll of s with id.
func (s Set) Find(id string) (Poll, bool) {
	for _, p := range s.Polls {
		if p.ID == id {
			return p, true
		}
	}
	return Poll{}, false
}

// Validate cleans and checks every poll of s: at most MaxPrepared, IDs
// present and unique. It returns the cleaned set.
func (s Set) Validate() (Set, error) {
	bad := map[string]string{}
	if len(s.Polls) > MaxPrepared {
		violation.Add(bad, "polls", "at most %d polls, not %d", MaxPrepared, len(s.Polls))
	}
	seen := map[string]bool{}
	out := s
	out.Polls = make([]Poll, 0, len(s.Polls))
	for i, p := range s.Polls {
		p = p.Clean()
		field := fmt.Sprintf("polls[%d]", i)
		switch {
		case p.ID == "":
			violation.Add(bad, field+".id", "required")
		case seen[p.ID]:
			violation.Add(bad, field+".id", "%q is used twice", usertext.Truncate(p.ID, MaxID))
		}
		seen[p.ID] = true
		var ve *ValidationError
		if err := p.Validate(); errors.As(err, &ve) {
			for k, v := range ve.Fields {
				violation.Add(bad, field+"."+k, "%s", v)
			}
		}
		out.Polls = append(out.Polls, p)
	}
	if len(bad) > 0 {
		return s, &ValidationError{Fields: bad}
	}
	return out, nil
}

// Tally is a poll's answers: how many people answered, and the count per
// option (a person choosing several counts once in each).
type Tally struct {
	Answers int   `json:"answers"`
	Counts  []int `json:"counts"`
}

// Store keeps prepared polls and the answers given in rooms.
type Store interface {
	// PreparedPolls returns the event's prepared polls; an event without
	// any has an empty Set of version 0.
	PreparedPolls(ctx context.Context, event string) (Set, error)
	// PutPreparedPolls replaces the event's polls if its version is
	// ifVersion (0: none stored yet), and returns the set stored, its
	// version moved; ErrConflict otherwise.
	PutPreparedPolls(ctx context.Context, s Set, ifVersion int64) (Set, error)
	// AnswerPoll records, atomically and once per key, an answer to the
	// poll of the room with options options: key joins the poll's set of
	// those who answered (no order kept) and each chosen option's count
	// grows by one. It returns the tally after the answer, or ErrAnswered
	// (nothing recorded) when key has answered already, ErrClosed when the
	// poll was closed.
	AnswerPoll(ctx context.Context, room, poll, key string, choices []int, options int) (Tally, error)
	// ClosePoll closes the poll to answers, atomically, and returns its
	// final tally (closing a closed poll returns it again).
	ClosePoll(ctx context.Context, room, poll string, options int) (Tally, error)
	// PollTally returns the poll's tally (zero counts when nobody
	// answered).
	PollTally(ctx context.Context, room, poll string, options int) (Tally, error)
	// PollAnswered reports whether key has answered the poll.
	PollAnswered(ctx context.Context, room, poll, key string) (bool, error)
	// PollsAnswered returns, of the polls in keys (poll ID → the key to
	// look for in that poll), those whose key has answered: one read for
	// many polls (a page's welcome, with the questions it voted up).
	PollsAnswered(ctx context.Context, room string, keys map[string]string) ([]string, error)
	// AnswerRooms lists the rooms whose polls (or questions) hold keys of
	// those who answered, in no particular order.
	AnswerRooms(ctx context.Context) ([]string, error)
	// ForgetAnswerKeys deletes every key of those who answered the room's
	// polls or voted its questions, and returns how many it deleted; the
	// counts, closed marks and prepared polls stay (the retention job, once
	// the event's retention has passed: nothing is left to say who took
	// part).
	ForgetAnswerKeys(ctx context.Context, room string) (int, error)
}
