package realtime

import (
	"slices"
	"testing"
	"time"

	"github.com/majlis/majlis/attendance"
)

// TestAttendanceBatches: the recorder turns a room's marks into visits —
// an arrival with its channel, channel changes once each, a leave — as
// one arrival when they come in one batch and as changes after; marks of
// a connection it never saw arrive (before a restart) are dropped, and an
// arrival beats for its event at once.
func TestAttendanceBatches(t *testing.T) {
	rec := &recorder{instance: "i-a"}
	open := map[string]*attendance.Visit{}
	t0 := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	m := Member{ID: "m-1", Name: "Samira", Role: RoleParticipant, Channel: "fr", Subject: "registrant:r_1"}
	batch := func(marks ...mark) attendance.Batch {
		p := pending{open: open}
		for _, mk := range marks {
			p.apply(rec, mk)
		}
		return p.batch()
	}
	b := batch(
		mark{kind: markArrive, room: "ev", m: m, at: t0},
		mark{kind: markChannel, room: "ev", m: Member{ID: "m-1", Channel: "ar"}},
		mark{kind: markChannel, room: "ev", m: Member{ID: "m-1", Channel: "fr"}},
		mark{kind: markChannel, room: "ev", m: Member{ID: "m-2", Channel: "es"}},
	)
	if len(b.Arrived) != 1 || len(b.Changed) != 0 || !slices.Equal(b.Arrived[0].Channels, []string{"fr", "ar"}) ||
		b.Arrived[0].Person != "registrant:r_1" || b.Arrived[0].Instance != "i-a" || !b.Arrived[0].Joined.Equal(t0) {
		t.Fatalf("first batch: %+v", b)
	}
	if len(b.Beats) != 1 || b.Beats[0] != (attendance.Beat{Event: "ev", Instance: "i-a", At: t0}) {
		t.Fatalf("an arrival's beat: %+v", b.Beats)
	}
	b = batch(mark{kind: markLeave, room: "ev", m: Member{ID: "m-1"}, at: t0.Add(time.Minute)},
		mark{kind: markLeave, room: "ev", m: Member{ID: "m-9"}, at: t0})
	if len(b.Arrived) != 0 || len(b.Changed) != 1 || !b.Changed[0].Left.Equal(t0.Add(time.Minute)) || len(open) != 0 {
		t.Fatalf("the leave: %+v (open %v)", b, open)
	}
	// A member without a subject (tests, tools) is still one person.
	b = batch(mark{kind: markArrive, room: "ev", m: Member{ID: "m-3", Name: "x"}, at: t0})
	if b.Arrived[0].Person != "anonymous:m-3" || len(b.Arrived[0].Channels) != 0 {
		t.Fatalf("no subject: %+v", b.Arrived[0])
	}
	for i := range attendance.MaxChannels + 3 {
		batch(mark{kind: markChannel, room: "ev", m: Member{ID: "m-3", Channel: string(rune('a' + i))}})
	}
	if n := len(open["m-3"].Channels); n != attendance.MaxChannels {
		t.Fatalf("%d channels kept, want at most %d", n, attendance.MaxChannels)
	}
}
