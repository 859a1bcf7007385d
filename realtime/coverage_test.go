package realtime

import (
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/majlis/majlis/interpretation"
)

// coverageRoom is a room with n members spread over the floor and four
// languages, enough for apply and cover (no node, no backend).
func coverageRoom(n int) *room {
	r := newRoom(nil, "r")
	r.loaded = true
	r.event.Languages = []string{"ar", "en", "fr", "es"}
	channels := append([]string{interpretation.Floor}, r.event.Languages...)
	r.state.Agenda.Current = "it-1"
	r.state.Interp.Booths = map[string]*interpretation.Booth{"fr": {Language: "fr", Live: "m-1"}}
	for i := range n {
		id := "m-" + strconv.Itoa(i)
		r.members[id] = Member{ID: id, Role: RoleParticipant, Channel: channels[i%len(channels)]}
		r.order = append(r.order, id)
	}
	r.listening = countListeners(r.members)
	return r
}

// TestCoverageCountsIncrementally: after any sequence of joins, leaves,
// channel switches and role changes, the listener counts the room keeps
// change by change equal a full recount of its roster, and so do the
// coverage mark's counts.
func TestCoverageCountsIncrementally(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	r := coverageRoom(50)
	channels := []string{interpretation.Floor, "ar", "en", "fr", "es", "zz"}
	roles := []Role{RoleParticipant, RoleObserver, RoleInterpreter, RoleHost}
	ts := int64(1_000)
	for step := range 5000 {
		ts += int64(rng.IntN(500))
		env := Envelope{Seq: uint64(step + 1), TS: ts}
		m := Member{ID: "m-" + strconv.Itoa(rng.IntN(80)), Role: roles[rng.IntN(len(roles))], Channel: channels[rng.IntN(len(channels))]}
		switch rng.IntN(4) {
		case 0:
			env.Type, env.Data = MsgJoin, mustJSON(m)
		case 1:
			env.Type, env.Data = MsgLeave, mustJSON(leaveData{ID: m.ID, Reason: "left"})
		case 2:
			env.Type, env.Data = MsgMember, mustJSON(m) // a switch, or an unknown member (ignored)
		case 3:
			if old, ok := r.members[m.ID]; ok { // a channel switch keeping the role
				old.Channel = m.Channel
				env.Type, env.Data = MsgMember, mustJSON(old)
			} else {
				env.Type, env.Data = MsgChat, mustJSON(chatData{Text: "x"})
			}
		}
		r.apply(env)
		want := countListeners(r.members)
		if !maps.Equal(r.listening, want) {
			t.Fatalf("step %d (%s %s): kept counts %v, recount %v", step, env.Type, m.ID, r.listening, want)
		}
		if mk := r.state.Coverage.Mark; changesCoverage(env.Type) && mk != nil {
			for _, ch := range mk.Channels {
				if ch.Listeners != want[ch.Channel] {
					t.Fatalf("step %d: mark counts %d on %s, recount %d", step, ch.Listeners, ch.Channel, want[ch.Channel])
				}
			}
		}
	}
	if len(r.members) == 0 || len(r.listening) == 0 {
		t.Fatalf("the sequence emptied the room (%d members): choose another seed", len(r.members))
	}
}

// BenchmarkCoverageChange measures what coverage adds to each change of a
// room's set-up (a join, a leave, a channel switch), which every instance
// runs: closing the open segment, moving one member's count, and opening a
// new segment with the per-channel counts, in a room of 1,000 and 5,000
// members in four languages. "apply" is the whole change as a room applies
// it, the decoding of the member included.
func BenchmarkCoverageChange(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run("mark/members="+strconv.Itoa(n), func(b *testing.B) {
			r := coverageRoom(n)
			m := r.members["m-7"]
			b.ReportAllocs()
			at := int64(0)
			for b.Loop() {
				at += 1000
				r.listening.add(m, -1)
				m.Channel = map[bool]string{true: "ar", false: "en"}[m.Channel == "en"]
				r.listening.add(m, 1)
				r.state.Coverage.account(at)
				r.state.Coverage.mark(at, r.state, r.listening, r.languages())
			}
		})
		b.Run("apply/members="+strconv.Itoa(n), func(b *testing.B) {
			r := coverageRoom(n)
			m := r.members["m-7"]
			envs := [2]Envelope{}
			for i, ch := range []string{"ar", "en"} {
				m.Channel = ch
				envs[i] = Envelope{Type: MsgMember, Data: mustJSON(m)}
			}
			b.ReportAllocs()
			seq := uint64(0)
			for b.Loop() {
				seq++
				env := envs[seq%2]
				env.Seq, env.TS = seq, int64(seq)*1000
				r.apply(env)
			}
		})
	}
}
