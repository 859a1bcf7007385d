package ballot_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
)

// papers returns yes, no and abstain motion papers.
func papers(yes, no, abstain int) []ballot.Choice {
	var out []ballot.Choice
	for range yes {
		out = append(out, ballot.Choice{Option: ballot.OptionYes})
	}
	for range no {
		out = append(out, ballot.Choice{Option: ballot.OptionNo})
	}
	for range abstain {
		out = append(out, ballot.Choice{Option: ballot.OptionAbstain})
	}
	return out
}

func motion(m ballot.Majority, a ballot.Abstentions) ballot.Ballot {
	return ballot.Ballot{ID: "m1", Event: "ga-2021", Kind: ballot.KindMotion, Title: agenda.Text{"en": "Motion"},
		Rules: ballot.Rules{Majority: m, Abstentions: a}}
}

// met is a quorum count of 90 members with present of them counted.
func met(present int) ballot.QuorumCount {
	return ballot.Quorum{Rule: ballot.QuorumNone}.Count(90, present, 0)
}

func TestMajorityRules(t *testing.T) {
	const (
		adopted  = ballot.OutcomeAdopted
		rejected = ballot.OutcomeRejected
	)
	cast, excl := ballot.AbstentionsCast, ballot.AbstentionsExcluded
	tests := []struct {
		name         string
		majority     ballot.Majority
		abst         ballot.Abstentions
		yes, no, abs int
		present      int
		want         ballot.Outcome
	}{
		{"simple: one vote", ballot.MajoritySimple, cast, 1, 0, 0, 60, adopted},
		{"simple: tie", ballot.MajoritySimple, cast, 30, 30, 0, 60, rejected},
		{"simple: one more yes", ballot.MajoritySimple, cast, 31, 30, 29, 90, adopted},
		{"simple: abstentions do not matter", ballot.MajoritySimple, cast, 2, 1, 80, 90, adopted},
		{"simple: all abstain", ballot.MajoritySimple, cast, 0, 0, 60, 60, rejected},
		{"simple: zero votes", ballot.MajoritySimple, cast, 0, 0, 0, 60, rejected},
		{"absolute: half is not more than half", ballot.MajorityAbsolute, cast, 5, 3, 2, 60, rejected},
		{"absolute: one over half", ballot.MajorityAbsolute, cast, 6, 3, 2, 60, adopted},
		{"absolute: abstentions excluded", ballot.MajorityAbsolute, excl, 5, 3, 2, 60, adopted},
		{"absolute: tie without abstentions", ballot.MajorityAbsolute, excl, 4, 4, 0, 60, rejected},
		{"absolute: all abstain", ballot.MajorityAbsolute, excl, 0, 0, 9, 60, rejected},
		{"absolute: zero votes", ballot.MajorityAbsolute, cast, 0, 0, 0, 60, rejected},
		{"two-thirds cast: exactly 2/3", ballot.MajorityTwoThirdsCast, cast, 60, 30, 0, 90, adopted},
		{"two-thirds cast: one short", ballot.MajorityTwoThirdsCast, cast, 59, 30, 0, 90, rejected},
		{"two-thirds cast: exactly 2/3 with abstentions cast", ballot.MajorityTwoThirdsCast, cast, 60, 20, 10, 90, adopted},
		{"two-thirds cast: an abstention tips it", ballot.MajorityTwoThirdsCast, cast, 60, 20, 11, 90, rejected},
		{"two-thirds cast: abstentions excluded", ballot.MajorityTwoThirdsCast, excl, 60, 30, 50, 90, adopted},
		{"two-thirds cast: 2 of 3", ballot.MajorityTwoThirdsCast, cast, 2, 1, 0, 60, adopted},
		{"two-thirds cast: all abstain (0 ≥ 0 is not enough)", ballot.MajorityTwoThirdsCast, excl, 0, 0, 10, 60, rejected},
		{"two-thirds cast: zero votes", ballot.MajorityTwoThirdsCast, cast, 0, 0, 0, 60, rejected},
		{"two-thirds present: exactly", ballot.MajorityTwoThirdsPresent, cast, 40, 0, 0, 60, adopted},
		{"two-thirds present: silence counts against", ballot.MajorityTwoThirdsPresent, cast, 39, 0, 0, 60, rejected},
		{"two-thirds present: nobody present", ballot.MajorityTwoThirdsPresent, cast, 0, 0, 0, 0, rejected},
		{"two-thirds members: exactly", ballot.MajorityTwoThirdsMembers, cast, 60, 0, 0, 70, adopted},
		{"two-thirds members: one short", ballot.MajorityTwoThirdsMembers, cast, 59, 1, 10, 70, rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := ballot.Decide(motion(tt.majority, tt.abst), met(tt.present), papers(tt.yes, tt.no, tt.abs))
			if v.Outcome != tt.want {
				t.Fatalf("outcome %s, want %s (checks %+v)", v.Outcome, tt.want, v.Checks)
			}
			if v.Tally.Papers != tt.yes+tt.no+tt.abs || v.Majority != tt.majority {
				t.Fatalf("tally %+v, majority %s", v.Tally, v.Majority)
			}
		})
	}
}

func TestVerdictShowsArithmetic(t *testing.T) {
	v := ballot.Decide(motion(ballot.MajorityTwoThirdsCast, ballot.AbstentionsCast), met(90), papers(60, 20, 10))
	want := []ballot.Check{
		{Left: ballot.Term{Factor: 3, Of: "yes", Value: 60}, Op: ">=", Right: ballot.Term{Factor: 2, Of: "cast", Value: 90}, Holds: true},
		{Left: ballot.Term{Factor: 1, Of: "yes", Value: 60}, Op: ">", Right: ballot.Term{Factor: 1, Of: "", Value: 0}, Holds: true},
	}
	if !reflect.DeepEqual(v.Checks, want) {
		t.Fatalf("checks %+v, want %+v", v.Checks, want)
	}
	if v.Tally.Cast != 90 || v.Tally.Yes != 60 || v.Tally.No != 20 || v.Tally.Abstain != 10 {
		t.Fatalf("tally %+v", v.Tally)
	}
}

func TestNoQuorumAtCloseOverridesMajority(t *testing.T) {
	q := ballot.Quorum{}.Count(90, 45, 0)
	v := ballot.Decide(motion(ballot.MajoritySimple, ""), q, papers(45, 0, 0))
	if v.Outcome != ballot.OutcomeNoQuorum || v.Quorum.Needed != 46 || v.Quorum.Met {
		t.Fatalf("verdict %+v", v)
	}
	if !v.Checks[0].Holds {
		t.Fatal("the majority arithmetic is still shown")
	}
}

func TestQuorumCount(t *testing.T) {
	tests := []struct {
		name                          string
		q                             ballot.Quorum
		members, present, represented int
		counted, needed               int
		met                           bool
	}{
		{"majority of members: half is not enough", ballot.Quorum{}, 90, 45, 0, 45, 46, false},
		{"majority of members: half plus one", ballot.Quorum{Rule: ballot.QuorumMembersMajority}, 90, 46, 0, 46, 46, true},
		{"majority of odd members", ballot.Quorum{}, 91, 46, 0, 46, 46, true},
		{"proxies not counted by default", ballot.Quorum{}, 90, 40, 10, 40, 46, false},
		{"present or represented", ballot.Quorum{Represented: true}, 90, 40, 10, 50, 46, true},
		{"no members", ballot.Quorum{}, 0, 0, 0, 0, 1, false},
		{"number: met", ballot.Quorum{Rule: ballot.QuorumNumber, Number: 30}, 90, 30, 0, 30, 30, true},
		{"number: short", ballot.Quorum{Rule: ballot.QuorumNumber, Number: 30}, 90, 29, 0, 29, 30, false},
		{"none", ballot.Quorum{Rule: ballot.QuorumNone}, 90, 0, 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := tt.q.Count(tt.members, tt.present, tt.represented)
			if c.Counted != tt.counted || c.Needed != tt.needed || c.Met != tt.met {
				t.Fatalf("got %+v", c)
			}
		})
	}
}

func election(seats int, cands ...string) ballot.Ballot {
	b := ballot.Ballot{ID: "e1", Event: "ga-2021", Kind: ballot.KindElection, Title: agenda.Text{"en": "Bureau"}, Seats: seats}
	for _, c := range cands {
		b.Candidates = append(b.Candidates, ballot.Candidate{ID: c, Name: agenda.Text{"en": c}})
	}
	return b
}

// votes returns papers naming each candidate as many times as given; each
// paper names one candidate.
func votes(n map[string]int, blank int) []ballot.Choice {
	var out []ballot.Choice
	for c, k := range n {
		for range k {
			out = append(out, ballot.Choice{Candidates: []string{c}})
		}
	}
	for range blank {
		out = append(out, ballot.Choice{Option: ballot.OptionAbstain})
	}
	return out
}

func TestElectionTopK(t *testing.T) {
	tests := []struct {
		name    string
		seats   int
		votes   map[string]int
		blank   int
		outcome ballot.Outcome
		elected []string
		tied    []string
		open    int
	}{
		{"clear", 2, map[string]int{"aaa": 5, "bbb": 4, "ccc": 3}, 0, ballot.OutcomeElected, []string{"aaa", "bbb"}, nil, 0},
		{"tie for the last seat", 2, map[string]int{"aaa": 5, "bbb": 3, "ccc": 3}, 1, ballot.OutcomeTie, []string{"aaa"}, []string{"bbb", "ccc"}, 1},
		{"tie within the seats", 2, map[string]int{"aaa": 3, "bbb": 3, "ccc": 1}, 0, ballot.OutcomeElected, []string{"aaa", "bbb"}, nil, 0},
		{"three-way tie for two seats", 2, map[string]int{"aaa": 2, "bbb": 2, "ccc": 2}, 0, ballot.OutcomeTie, nil, []string{"aaa", "bbb", "ccc"}, 2},
		{"fewer candidates with votes than seats", 3, map[string]int{"aaa": 2, "bbb": 1}, 0, ballot.OutcomeElected, []string{"aaa", "bbb"}, nil, 0},
		{"zero votes", 1, nil, 0, ballot.OutcomeElected, nil, nil, 0},
		{"all blank", 1, nil, 7, ballot.OutcomeElected, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := ballot.Decide(election(tt.seats, "aaa", "bbb", "ccc"), met(60), votes(tt.votes, tt.blank))
			if v.Outcome != tt.outcome || fmt.Sprint(v.Elected) != fmt.Sprint(tt.elected) || fmt.Sprint(v.Tied) != fmt.Sprint(tt.tied) || v.OpenSeats != tt.open {
				t.Fatalf("got %s elected %v tied %v open %d", v.Outcome, v.Elected, v.Tied, v.OpenSeats)
			}
			if v.Tally.Abstain != tt.blank || len(v.Tally.Candidates) != 3 {
				t.Fatalf("tally %+v", v.Tally)
			}
		})
	}
}
