package attendance_test

import (
	"slices"
	"testing"
	"time"

	"github.com/majlis/majlis/attendance"
)

var t0 = time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestReport(t *testing.T) {
	visit := func(id, person, instance string, from, to int, channels ...string) attendance.Visit {
		v := attendance.Visit{Event: "ev", ID: id, Person: person, Name: person, Role: "participant", Instance: instance,
			Joined: at(from), Channels: channels}
		if to >= 0 {
			v.Left = at(to)
		}
		return v
	}
	tests := []struct {
		name   string
		visits []attendance.Visit
		beats  map[string]time.Time
		now    time.Time
		want   attendance.Row
	}{
		{"one visit", []attendance.Visit{visit("m1", "registrant:r_1", "i-a", 0, 30, "floor")}, nil, at(60),
			attendance.Row{Kind: attendance.KindRegistrant, First: at(0), Last: at(30), Time: 30 * time.Minute, Channels: []string{"floor"}, Visits: 1}},
		{"two tabs at once count once", []attendance.Visit{
			visit("m1", "registrant:r_1", "i-a", 0, 30, "floor"), visit("m2", "registrant:r_1", "i-b", 10, 40, "ar", "floor")}, nil, at(60),
			attendance.Row{Kind: attendance.KindRegistrant, First: at(0), Last: at(40), Time: 40 * time.Minute, Channels: []string{"floor", "ar"}, Visits: 2}},
		{"a reconnect after a gap", []attendance.Visit{
			visit("m2", "invite:i_1", "i-a", 20, 30, "fr"), visit("m1", "invite:i_1", "i-a", 0, 10, "fr")}, nil, at(60),
			attendance.Row{Kind: attendance.KindInvitee, First: at(0), Last: at(30), Time: 20 * time.Minute, Channels: []string{"fr"}, Visits: 2}},
		{"open on a live instance: present until now", []attendance.Visit{visit("m1", "organizer:o_1", "i-a", 0, -1, "floor")},
			map[string]time.Time{"i-a": at(59)}, at(60),
			attendance.Row{Kind: attendance.KindOrganizer, First: at(0), Present: true, Time: 60 * time.Minute, Channels: []string{"floor"}, Visits: 1}},
		{"open on a dead instance: ended at its last beat", []attendance.Visit{visit("m1", "anonymous:a_1", "i-dead", 0, -1, "es")},
			map[string]time.Time{"i-dead": at(25)}, at(60),
			attendance.Row{Kind: attendance.KindWalkIn, First: at(0), Last: at(25), Time: 25 * time.Minute, Channels: []string{"es"}, Visits: 1}},
		{"open with no beat at all: no time", []attendance.Visit{visit("m1", "anonymous:a_1", "i-dead", 5, -1)}, nil, at(60),
			attendance.Row{Kind: attendance.KindWalkIn, First: at(5), Last: at(5), Visits: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows := attendance.Report(attendance.Log{Visits: tc.visits, Beats: tc.beats}, tc.now)
			if len(rows) != 1 {
				t.Fatalf("%d rows, want 1: %+v", len(rows), rows)
			}
			got, want := rows[0], tc.want
			if got.Kind != want.Kind || !got.First.Equal(want.First) || !got.Last.Equal(want.Last) || got.Present != want.Present ||
				got.Time != want.Time || !slices.Equal(got.Channels, want.Channels) || got.Visits != want.Visits {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReportOrder(t *testing.T) {
	l := attendance.Log{Visits: []attendance.Visit{
		{Event: "ev", ID: "m3", Person: "anonymous:a_2", Name: "Zaid", Joined: at(5), Left: at(6)},
		{Event: "ev", ID: "m1", Person: "registrant:r_1", Name: "Amina", Joined: at(1), Left: at(2)},
		{Event: "ev", ID: "m2", Person: "anonymous:a_1", Name: "Omar", Joined: at(5), Left: at(7)},
	}}
	var names []string
	for _, r := range attendance.Report(l, at(60)) {
		names = append(names, r.Name)
	}
	if want := []string{"Amina", "Omar", "Zaid"}; !slices.Equal(names, want) {
		t.Fatalf("order %v, want %v (first join, then name)", names, want)
	}
}

func TestMinutesRound(t *testing.T) {
	if m := (attendance.Row{Time: 89 * time.Second}).Minutes(); m != 1 {
		t.Fatalf("89 s: %d minutes", m)
	}
	if m := (attendance.Row{Time: 29 * time.Second}).Minutes(); m != 0 {
		t.Fatalf("29 s: %d minutes", m)
	}
}
