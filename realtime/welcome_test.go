package realtime

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/interpretation"
)

// referenceWelcome is the welcome as it was built before it was cached:
// one welcomeData, encoded whole, for each client.
func referenceWelcome(r *room, c *Client) []byte {
	w := welcomeData{
		Protocol: ProtocolVersion, You: c.member, Members: len(r.order),
		Event: eventInfo{ID: r.event.ID, Title: r.event.Title, Start: r.event.Start, End: r.event.End,
			TimeZone: r.event.TimeZone, Languages: r.event.Languages},
		Floor:          r.state.Floor,
		Agenda:         agendaState{Items: r.items, Progress: r.state.Agenda},
		Interpretation: r.interpView(r.state),
		Seq:            r.seq,
		Epoch:          r.epoch,
	}
	if w.Agenda.Items == nil {
		w.Agenda.Items = []agenda.Item{}
	}
	partial := len(r.order) > r.node.cfg.PresenceLimit && c.member.Role != RoleHost
	w.Roster = make([]Member, 0, min(len(r.order), r.node.cfg.PresenceLimit))
	for _, id := range r.order {
		m := r.members[id]
		if partial && (m.Role == RoleParticipant || m.Role == RoleObserver) && id != c.member.ID {
			continue
		}
		w.Roster = append(w.Roster, m)
	}
	w.RosterPartial = partial
	b, err := json.Marshal(Envelope{Type: MsgWelcome, Room: r.id, Seq: r.seq, Data: mustJSON(w)})
	if err != nil {
		panic(err)
	}
	return b
}

// TestWelcomeCached: the welcome built from parts encoded once per room
// version is, byte for byte, the one encoded whole for each client — in
// small and large rooms, for hosts, staff and participants, for a client
// that just joined (last in the order) and one that did not, and after
// the room changed.
func TestWelcomeCached(t *testing.T) {
	for _, n := range []int{0, 3, 12} {
		r := coverageRoom(0)
		r.node = &Node{cfg: Config{PresenceLimit: 5}}
		r.id, r.seq, r.epoch = "ev<1>", 42, "e-1"
		r.event = agenda.Event{ID: "ev<1>", Title: agenda.Text{"en": "A & B"}, Start: time.Unix(1625150000, 0).UTC(),
			End: time.Unix(1625160000, 0).UTC(), TimeZone: "Europe/Zurich", Languages: []string{"ar", "en", "fr", "es"}}
		r.items = []agenda.Item{{ID: "it-1", Title: agenda.Text{"en": "Opening"}}}
		r.state.Floor = Floor{Speaker: "m-1", Queue: []string{"m-2"}}
		r.ensureBooths(&r.state)
		roles := []Role{RoleParticipant, RoleHost, RoleObserver, RoleInterpreter, RoleSpeaker, RoleParticipant}
		for i := range n {
			id := "m-" + strconv.Itoa(i)
			r.members[id] = Member{ID: id, Name: "N " + strconv.Itoa(i), Role: roles[i%len(roles)], Channel: interpretation.Floor}
			r.order = append(r.order, id)
		}
		for i := range n + 1 {
			id := "m-" + strconv.Itoa(i)
			m, ok := r.members[id]
			if !ok {
				m = Member{ID: id, Name: "new", Role: RoleParticipant, Channel: "fr"} // not in the roster (yet)
			}
			c := &Client{member: m}
			for round := range 2 { // the second one from the cache
				got, want := r.welcome(c), referenceWelcome(r, c)
				if !bytes.Equal(got, want) {
					t.Fatalf("%d members, %s (%s), round %d:\n got %s\nwant %s", n, id, m.Role, round, got, want)
				}
			}
		}
		// Departures (a participant's, a staff member's) show too.
		for _, id := range []string{"m-0", "m-1"} {
			if _, ok := r.members[id]; !ok {
				continue
			}
			r.seq++
			r.apply(Envelope{Type: MsgLeave, Seq: r.seq, Data: mustJSON(leaveData{ID: id, Reason: "left"})})
			for _, cid := range append(slices.Clone(r.order), "new") {
				m, ok := r.members[cid]
				if !ok {
					m = Member{ID: cid, Role: RoleParticipant}
				}
				c := &Client{member: m}
				if got, want := r.welcome(c), referenceWelcome(r, c); !bytes.Equal(got, want) {
					t.Fatalf("%d members, after %s left, %s (%s):\n got %s\nwant %s", n, id, cid, m.Role, got, want)
				}
			}
		}
		// A change shows in the next welcome.
		r.seq++
		r.apply(Envelope{Type: MsgFloor, Seq: r.seq, Data: mustJSON(Floor{Speaker: "m-2"})})
		c := &Client{member: Member{ID: "x", Role: RoleHost}}
		if got, want := r.welcome(c), referenceWelcome(r, c); !bytes.Equal(got, want) {
			t.Fatalf("after a change:\n got %s\nwant %s", got, want)
		}
	}
}

// BenchmarkWelcome5000 measures one welcome in a room of 5,000 members
// (a join storm builds one per client).
func BenchmarkWelcome5000(b *testing.B) {
	r := coverageRoom(5000)
	r.node = &Node{cfg: Config{PresenceLimit: 300}}
	c := &Client{member: r.members["m-4999"]}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.welcome(c)
		}
	})
	b.Run("whole", func(b *testing.B) { // as before the cache
		b.ReportAllocs()
		for b.Loop() {
			referenceWelcome(r, c)
		}
	})
}
