package ballot

// QuorumRule says how many A-status institutions must be present.
type QuorumRule string

// Quorum rules.
const (
	// QuorumMembersMajority: more than half of all A-status members
	// (2 × counted > members).
	QuorumMembersMajority QuorumRule = "majority-of-members"
	// QuorumNumber: at least Quorum.Number A-status institutions.
	QuorumNumber QuorumRule = "number"
	// QuorumNone: no quorum.
	QuorumNone QuorumRule = "none"
)

// Quorum is a ballot's quorum rule. It is checked when the ballot opens
// (ErrNoQuorum) and again when it closes (verdict no-quorum).
type Quorum struct {
	// Rule; default QuorumMembersMajority.
	Rule QuorumRule `json:"rule"`
	// Number for QuorumNumber.
	Number int `json:"number,omitempty"`
	// Represented counts an A-status institution absent but represented
	// by a proxy as present ("present or represented"). Default false:
	// only institutions present in the roll count.
	Represented bool `json:"represented,omitempty"`
}

// Majority is the rule that adopts a motion. Every rule compares integers:
// the verdict shows the comparison (see Check), never a rounded fraction.
type Majority string

// Majority rules, with the check each makes ("cast" depends on Abstentions).
const (
	// MajoritySimple: yes > no. Abstentions never matter.
	MajoritySimple Majority = "simple"
	// MajorityAbsolute: 2 × yes > cast (more than half of the votes cast).
	MajorityAbsolute Majority = "absolute"
	// MajorityTwoThirdsCast: 3 × yes ≥ 2 × cast, and yes ≥ 1.
	MajorityTwoThirdsCast Majority = "two-thirds-cast"
	// MajorityTwoThirdsPresent: 3 × yes ≥ 2 × present (the quorum count
	// at the close), and yes ≥ 1.
	MajorityTwoThirdsPresent Majority = "two-thirds-present"
	// MajorityTwoThirdsMembers: 3 × yes ≥ 2 × members (all A-status
	// members), and yes ≥ 1.
	MajorityTwoThirdsMembers Majority = "two-thirds-members"
)

// Abstentions says whether an abstention is a vote cast.
type Abstentions string

// Abstention rules.
const (
	// AbstentionsCast: cast = yes + no + abstain, so an abstention weighs
	// against adoption under the absolute and two-thirds-of-cast rules.
	// The default.
	AbstentionsCast Abstentions = "cast"
	// AbstentionsExcluded: cast = yes + no ("present and voting").
	AbstentionsExcluded Abstentions = "excluded"
)

// Seating is how an election fills its seats.
type Seating string

// Seating rules.
const (
	// SeatsTopK: the Seats candidates with the most votes (at least one)
	// are elected; candidates tied across the last seat are reported as an
	// unresolved tie, never broken here.
	SeatsTopK Seating = "top-k"
)

// Rules are chosen per ballot and shown to voters before they vote.
type Rules struct {
	Quorum Quorum `json:"quorum"`
	// Majority adopts a motion; default MajoritySimple. Unused by elections.
	Majority Majority `json:"majority,omitempty"`
	// Abstentions; default AbstentionsCast.
	Abstentions Abstentions `json:"abstentions,omitempty"`
	// Seating fills an election's seats; default SeatsTopK. Unused by motions.
	Seating Seating `json:"seating,omitempty"`
}

// withDefaults fills the zero fields.
func (r Rules) withDefaults(k Kind) Rules {
	if r.Quorum.Rule == "" {
		r.Quorum.Rule = QuorumMembersMajority
	}
	if r.Abstentions == "" {
		r.Abstentions = AbstentionsCast
	}
	if k == KindMotion && r.Majority == "" {
		r.Majority = MajoritySimple
	}
	if k == KindElection && r.Seating == "" {
		r.Seating = SeatsTopK
	}
	return r
}

func (r Rules) check(p problems, k Kind) {
	r = r.withDefaults(k)
	switch r.Quorum.Rule {
	case QuorumMembersMajority, QuorumNone:
		if r.Quorum.Number != 0 {
			p.add("rules.quorum.number", "only with the rule number")
		}
	case QuorumNumber:
		if r.Quorum.Number < 1 || r.Quorum.Number > MaxQuorumNumber {
			p.add("rules.quorum.number", "must be between 1 and %d", MaxQuorumNumber)
		}
	default:
		p.add("rules.quorum.rule", "must be one of majority-of-members, number, none")
	}
	switch r.Abstentions {
	case AbstentionsCast, AbstentionsExcluded:
	default:
		p.add("rules.abstentions", "must be one of cast, excluded")
	}
	if k == KindMotion {
		switch r.Majority {
		case MajoritySimple, MajorityAbsolute, MajorityTwoThirdsCast, MajorityTwoThirdsPresent, MajorityTwoThirdsMembers:
		default:
			p.add("rules.majority", "must be one of simple, absolute, two-thirds-cast, two-thirds-present, two-thirds-members")
		}
		if r.Seating != "" {
			p.add("rules.seating", "a motion fills no seats")
		}
	}
	if k == KindElection {
		if r.Seating != SeatsTopK {
			p.add("rules.seating", "must be top-k")
		}
		if r.Majority != "" {
			p.add("rules.majority", "an election fills seats by its seating rule, not by a majority")
		}
	}
}
