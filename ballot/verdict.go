package ballot

import (
	"slices"
	"sort"
)

// Outcome is a ballot's result.
type Outcome string

// Outcomes.
const (
	OutcomeAdopted  Outcome = "adopted"   // a motion passed its majority
	OutcomeRejected Outcome = "rejected"  // a motion did not
	OutcomeNoQuorum Outcome = "no-quorum" // the quorum was not met at the close
	OutcomeElected  Outcome = "elected"   // an election filled its seats (or all it could)
	OutcomeTie      Outcome = "tie"       // an election left seats to a tie it does not break
)

// QuorumCount is a quorum rule applied to the roll.
type QuorumCount struct {
	Rule QuorumRule `json:"rule"`
	// Members counts A-status members of the assembly.
	Members int `json:"members"`
	// Present counts A-status institutions present.
	Present int `json:"present"`
	// Represented counts absent A-status institutions whose proxy is held
	// by a present institution.
	Represented int `json:"represented"`
	// Counted is Present, plus Represented when the rule counts them.
	Counted int `json:"counted"`
	// Needed is the least Counted that meets the rule.
	Needed int  `json:"needed"`
	Met    bool `json:"met"`
}

// Count applies q to the numbers of A-status members, present ones and
// absent ones represented by proxy.
func (q Quorum) Count(members, present, represented int) QuorumCount {
	if q.Rule == "" {
		q.Rule = QuorumMembersMajority
	}
	c := QuorumCount{Rule: q.Rule, Members: members, Present: present, Represented: represented, Counted: present}
	if q.Represented {
		c.Counted += represented
	}
	switch q.Rule {
	case QuorumMembersMajority:
		c.Needed = members/2 + 1
	case QuorumNumber:
		c.Needed = q.Number
	}
	c.Met = c.Counted >= c.Needed
	return c
}

// Term is one side of a Check: Factor × Value, where Of names the value
// ("yes", "no", "cast", "present", "members"; "" for a constant).
type Term struct {
	Factor int    `json:"factor"`
	Of     string `json:"of"`
	Value  int    `json:"value"`
}

// Product is Factor × Value.
func (t Term) Product() int { return t.Factor * t.Value }

// Check is one integer comparison of a verdict, shown as is: e.g. the
// two-thirds rule is 3 × yes ≥ 2 × cast, so exactly two thirds passes and
// no rounding ever happens.
type Check struct {
	Left  Term   `json:"left"`
	Op    string `json:"op"` // ">" or ">="
	Right Term   `json:"right"`
	Holds bool   `json:"holds"`
}

func check(l Term, op string, r Term) Check {
	c := Check{Left: l, Op: op, Right: r}
	if op == ">" {
		c.Holds = l.Product() > r.Product()
	} else {
		c.Holds = l.Product() >= r.Product()
	}
	return c
}

// CandidateVotes is one candidate's count.
type CandidateVotes struct {
	Candidate string `json:"candidate"`
	Votes     int    `json:"votes"`
}

// Tally counts the papers of a ballot.
type Tally struct {
	// Papers is the turnout: every paper, blank ones included.
	Papers  int `json:"papers"`
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Abstain int `json:"abstain"`
	// Cast is the votes cast under the abstention rule (motions).
	Cast int `json:"cast"`
	// Candidates, most votes first, then by ID (elections).
	Candidates []CandidateVotes `json:"candidates,omitempty"`
}

// Verdict is a ballot's result with its arithmetic: a UI renders it in any
// language from the rule IDs and numbers alone.
type Verdict struct {
	Outcome Outcome     `json:"outcome"`
	Quorum  QuorumCount `json:"quorum"`
	Tally   Tally       `json:"tally"`
	// Majority is the rule applied (motions); Checks must all hold.
	Majority Majority `json:"majority,omitempty"`
	Checks   []Check  `json:"checks,omitempty"`
	// Elected candidates, most votes first (elections).
	Elected []string `json:"elected,omitempty"`
	// Tied candidates share the votes of the last seat(s) to fill;
	// OpenSeats seats remain for the assembly to settle (a run-off).
	Tied      []string `json:"tied,omitempty"`
	OpenSeats int      `json:"open_seats,omitempty"`
}

// Decide computes the verdict of ballot b from its papers and the quorum
// count at the close. Papers are assumed valid for b.
func Decide(b Ballot, q QuorumCount, papers []Choice) Verdict {
	r := b.Rules.withDefaults(b.Kind)
	v := Verdict{Quorum: q, Tally: count(b, r, papers)}
	if b.Kind == KindMotion {
		v.Majority = r.Majority
		v.Checks = majority(r.Majority, v.Tally, q)
		v.Outcome = OutcomeAdopted
		for _, c := range v.Checks {
			if !c.Holds {
				v.Outcome = OutcomeRejected
			}
		}
	} else {
		seat(&v, b.Seats)
	}
	if !q.Met {
		v.Outcome, v.Elected, v.Tied, v.OpenSeats = OutcomeNoQuorum, nil, nil, 0
	}
	return v
}

func count(b Ballot, r Rules, papers []Choice) Tally {
	t := Tally{Papers: len(papers)}
	votes := map[string]int{}
	for _, p := range papers {
		switch {
		case p.Option == OptionYes:
			t.Yes++
		case p.Option == OptionNo:
			t.No++
		case p.Option == OptionAbstain:
			t.Abstain++
		}
		for _, c := range p.Candidates {
			votes[c]++
		}
	}
	t.Cast = t.Yes + t.No
	if r.Abstentions == AbstentionsCast {
		t.Cast += t.Abstain
	}
	if b.Kind == KindElection {
		t.Cast = t.Papers - t.Abstain
		for _, c := range b.Candidates {
			t.Candidates = append(t.Candidates, CandidateVotes{Candidate: c.ID, Votes: votes[c.ID]})
		}
		sort.SliceStable(t.Candidates, func(i, j int) bool {
			a, b := t.Candidates[i], t.Candidates[j]
			return a.Votes > b.Votes || (a.Votes == b.Votes && a.Candidate < b.Candidate)
		})
	}
	return t
}

func majority(m Majority, t Tally, q QuorumCount) []Check {
	yes := Term{1, "yes", t.Yes}
	atLeastOne := check(yes, ">", Term{1, "", 0})
	switch m {
	case MajorityAbsolute:
		return []Check{check(Term{2, "yes", t.Yes}, ">", Term{1, "cast", t.Cast})}
	case MajorityTwoThirdsCast:
		return []Check{check(Term{3, "yes", t.Yes}, ">=", Term{2, "cast", t.Cast}), atLeastOne}
	case MajorityTwoThirdsPresent:
		return []Check{check(Term{3, "yes", t.Yes}, ">=", Term{2, "present", q.Counted}), atLeastOne}
	case MajorityTwoThirdsMembers:
		return []Check{check(Term{3, "yes", t.Yes}, ">=", Term{2, "members", q.Members}), atLeastOne}
	default:
		return []Check{check(yes, ">", Term{1, "no", t.No})}
	}
}

// seat fills an election's seats top-k; a tie across the last seat is left
// unresolved.
func seat(v *Verdict, seats int) {
	var voted []CandidateVotes
	for _, c := range v.Tally.Candidates {
		if c.Votes > 0 {
			voted = append(voted, c)
		}
	}
	v.Outcome = OutcomeElected
	if len(voted) <= seats {
		for _, c := range voted {
			v.Elected = append(v.Elected, c.Candidate)
		}
		return
	}
	last := voted[seats-1].Votes
	var tied []string
	for _, c := range voted {
		switch {
		case c.Votes > last:
			v.Elected = append(v.Elected, c.Candidate)
		case c.Votes == last:
			tied = append(tied, c.Candidate)
		}
	}
	if len(v.Elected)+len(tied) == seats {
		v.Elected = append(v.Elected, tied...)
		return
	}
	v.Outcome, v.OpenSeats = OutcomeTie, seats-len(v.Elected)
	v.Tied = slices.Clip(tied)
}
