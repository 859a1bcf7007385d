package ballot

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
)

// Kind is what a ballot decides.
type Kind string

// Ballot kinds.
const (
	// KindMotion: adopt a text or not; each voter answers yes, no or abstain.
	KindMotion Kind = "motion"
	// KindElection: fill Seats seats among Candidates; each voter chooses up
	// to Seats candidates (or none: a blank paper).
	KindElection Kind = "election"
)

// State is where a ballot is in its life.
type State string

// Ballot states. A ballot only moves forward: draft, open, closed.
const (
	StateDraft  State = "draft"
	StateOpen   State = "open"
	StateClosed State = "closed"
)

// Option is a motion's answer.
type Option string

// Motion options. An election's blank paper is OptionAbstain with no
// candidates.
const (
	OptionYes     Option = "yes"
	OptionNo      Option = "no"
	OptionAbstain Option = "abstain"
)

// Choice is what one ballot paper says: Option for a motion; for an
// election, Candidates (1 to Seats candidate IDs, sorted) or OptionAbstain
// with no candidates (a blank paper).
type Choice struct {
	Option     Option   `json:"option,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
}

// Candidate stands in an election.
type Candidate struct {
	ID   string      `json:"id"`
	Name agenda.Text `json:"name"`
}

// Ballot is one vote of a general assembly: its definition (chosen while
// a draft, shown to voters before they vote), its state, and once closed
// its verdict. It never holds a vote.
type Ballot struct {
	// ID is 3–64 lowercase letters, digits and inner hyphens.
	ID string `json:"id"`
	// Event is the general assembly (an agenda event ID) that holds it.
	Event string `json:"event"`
	// Item is the agenda item (of kind vote) it belongs to; may be empty.
	Item  string      `json:"item,omitempty"`
	Kind  Kind        `json:"kind"`
	Title agenda.Text `json:"title"`
	// Text is the motion's text (what is adopted), in the languages.
	Text agenda.Text `json:"text,omitempty"`
	// Candidates of an election, in ballot-paper order.
	Candidates []Candidate `json:"candidates,omitempty"`
	// Seats is how many candidates an election fills (k); 0 for a motion.
	Seats int `json:"seats,omitempty"`
	// Secret ballots keep who voted apart from what was voted and give
	// receipts; named ballots publish each institution's vote.
	Secret bool  `json:"secret"`
	Rules  Rules `json:"rules"`
	State  State `json:"state"`
	// Opening is the quorum count when the ballot opened.
	Opening *QuorumCount `json:"opening,omitempty"`
	// Verdict is computed at the close.
	Verdict *Verdict `json:"verdict,omitempty"`
	// Version grows by one per write (ETag). Casting does not change it.
	Version int64 `json:"version"`
}

// Limits on ballot definitions.
const (
	MaxTitleRunes     = 300
	MaxTextRunes      = 10000
	MaxCandidates     = 100
	MaxCandidateRunes = 200
	MaxQuorumNumber   = 10000
)

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)

// ValidID reports whether id is an acceptable ballot or candidate ID.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// Validate checks a ballot definition; langs are the accepted languages.
func (b Ballot) Validate(langs []string) error {
	p := problems{}
	if !ValidID(b.ID) {
		p.add("id", "must be 3-64 lowercase letters, digits or hyphens")
	}
	if !ValidID(b.Event) {
		p.add("event", "must be the general assembly's event ID")
	}
	if b.Item != "" && !ValidID(b.Item) {
		p.add("item", "must be an agenda item ID")
	}
	checkText(p, "title", b.Title, langs, true, MaxTitleRunes, false)
	switch b.Kind {
	case KindMotion:
		checkText(p, "text", b.Text, langs, false, MaxTextRunes, true)
		if len(b.Candidates) > 0 {
			p.add("candidates", "a motion has no candidates")
		}
		if b.Seats != 0 {
			p.add("seats", "a motion has no seats")
		}
	case KindElection:
		if len(b.Candidates) == 0 {
			p.add("candidates", "an election needs at least one candidate")
		} else if len(b.Candidates) > MaxCandidates {
			p.add("candidates", "at most %d candidates", MaxCandidates)
		}
		seen := map[string]int{}
		for i, c := range b.Candidates {
			f := fmt.Sprintf("candidates[%d]", i)
			if !ValidID(c.ID) {
				p.add(f+".id", "must be 3-64 lowercase letters, digits or hyphens")
			} else if j, dup := seen[c.ID]; dup {
				p.add(f+".id", "duplicate of candidates[%d]", j)
			}
			seen[c.ID] = i
			checkText(p, f+".name", c.Name, langs, true, MaxCandidateRunes, false)
		}
		if b.Seats < 1 || (len(b.Candidates) > 0 && b.Seats > len(b.Candidates)) {
			p.add("seats", "must be between 1 and the number of candidates")
		}
		if len(b.Text) > 0 {
			p.add("text", "an election has no motion text")
		}
	default:
		p.add("kind", "must be one of motion, election")
	}
	b.Rules.check(p, b.Kind)
	return p.err()
}

// check validates c against b; it does not look at who casts.
func (b Ballot) check(c Choice) error {
	switch b.Kind {
	case KindMotion:
		if len(c.Candidates) > 0 || (c.Option != OptionYes && c.Option != OptionNo && c.Option != OptionAbstain) {
			return &ValidationError{Fields: map[string]string{"choice": "must be yes, no or abstain"}}
		}
	case KindElection:
		if c.Option == OptionAbstain && len(c.Candidates) == 0 {
			return nil
		}
		if c.Option != "" || len(c.Candidates) == 0 || len(c.Candidates) > b.Seats {
			return &ValidationError{Fields: map[string]string{"choice": fmt.Sprintf("choose 1 to %d candidates, or abstain", b.Seats)}}
		}
		for i, id := range c.Candidates {
			if !slices.ContainsFunc(b.Candidates, func(k Candidate) bool { return k.ID == id }) {
				return &ValidationError{Fields: map[string]string{fmt.Sprintf("choice.candidates[%d]", i): "not a candidate of this ballot"}}
			}
			if slices.Contains(c.Candidates[:i], id) {
				return &ValidationError{Fields: map[string]string{fmt.Sprintf("choice.candidates[%d]", i): "chosen twice"}}
			}
		}
	}
	return nil
}

// canonical returns c in its one stored form: candidates sorted, so that a
// paper says nothing about the order a voter clicked in.
func (c Choice) canonical() Choice {
	if len(c.Candidates) == 0 {
		return Choice{Option: c.Option}
	}
	out := Choice{Candidates: slices.Clone(c.Candidates)}
	sort.Strings(out.Candidates)
	return out
}

func checkText(p problems, field string, t agenda.Text, langs []string, required bool, max int, multiline bool) {
	if len(t) > len(langs) {
		p.add(field, "at most %d languages", len(langs))
		return
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	form := usertext.Line
	if multiline {
		form = usertext.Block
	}
	any := false
	for _, l := range keys {
		s, f := t[l], field+"."+l
		switch {
		case !slices.Contains(langs, l):
			p.add(f, "unknown language code %q (want one of %s)", l, strings.Join(langs, ", "))
		case usertext.Problem(s, form, max) != "":
			p.add(f, "%s", usertext.Problem(s, form, max))
		case strings.TrimSpace(s) != "":
			any = true
		}
	}
	if required && !any {
		p.add(field, "required in at least one language (%s)", strings.Join(langs, ", "))
	}
}
