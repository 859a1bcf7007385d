package interpretation

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var four = []string{"ar", "en", "fr", "es"}

// booth builds a booth with one live interpreter taking inputs.
func liveBooth(lang, id string, inputs ...string) *Booth {
	b := &Booth{Language: lang}
	_ = b.Join(Interpreter{ID: id, Inputs: inputs})
	_ = b.Take(id)
	return b
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name   string
		floor  string
		booths map[string]*Booth
		want   map[string]string // channel → "status source input warning"
	}{
		{
			name:  "English floor, every booth takes English",
			floor: "en",
			booths: map[string]*Booth{"ar": liveBooth("ar", "a1", "en", "fr"), "fr": liveBooth("fr", "f1", "en"),
				"es": liveBooth("es", "s1", "en", "fr")},
			want: map[string]string{"ar": "direct ar floor ", "en": "idle floor  ", "fr": "direct fr floor ", "es": "direct es floor "},
		},
		{
			name:  "Arabic floor: the Spanish booth relays from English, the French booth from Arabic",
			floor: "ar",
			booths: map[string]*Booth{"en": liveBooth("en", "e1", "ar", "fr"), "fr": liveBooth("fr", "f1", "ar", "en"),
				"es": liveBooth("es", "s1", "en", "fr")},
			want: map[string]string{"ar": "idle floor  ", "en": "direct en floor ", "fr": "direct fr floor ", "es": "relay es en "},
		},
		{
			name:  "Arabic floor, the English booth relays from French when French is the only direct booth",
			floor: "ar",
			booths: map[string]*Booth{"en": liveBooth("en", "e1", "fr"), "fr": liveBooth("fr", "f1", "ar"),
				"es": liveBooth("es", "s1", "en")},
			// es would relay from en, but en is itself a relay: one hop only.
			want: map[string]string{"ar": "idle floor  ", "en": "relay en fr ", "fr": "direct fr floor ", "es": "none floor  no_input"},
		},
		{
			name:  "an empty booth and a booth nobody took",
			floor: "fr",
			booths: map[string]*Booth{"ar": {Language: "ar", Interpreters: []Interpreter{{ID: "a1", Inputs: []string{"fr"}}}},
				"en": liveBooth("en", "e1", "fr")},
			want: map[string]string{"ar": "none floor  no_interpreter", "en": "direct en floor ", "fr": "idle floor  ", "es": "none floor  no_interpreter"},
		},
		{
			name:   "floor language unknown: live booths interpret the floor",
			floor:  "",
			booths: map[string]*Booth{"ar": liveBooth("ar", "a1", "en")},
			want:   map[string]string{"ar": "direct ar floor ", "en": "none floor  no_interpreter", "fr": "none floor  no_interpreter", "es": "none floor  no_interpreter"},
		},
		{
			name:  "Spanish floor: relay prefers English over French",
			floor: "es",
			booths: map[string]*Booth{"ar": liveBooth("ar", "a1", "fr", "en"), "en": liveBooth("en", "e1", "es"),
				"fr": liveBooth("fr", "f1", "es")},
			want: map[string]string{"ar": "relay ar en ", "en": "direct en floor ", "fr": "direct fr floor ", "es": "idle floor  "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := Routes(tt.floor, four, tt.booths)
			if len(table.Routes) != len(four) {
				t.Fatalf("%d routes", len(table.Routes))
			}
			for _, r := range table.Routes {
				got := fmt.Sprintf("%s %s %s %s", r.Status, r.Source, r.Input, r.Warning)
				if got != tt.want[r.Channel] {
					t.Errorf("%s: %q, want %q", r.Channel, got, tt.want[r.Channel])
				}
				if r.Status == RouteNone && r.Source != Floor {
					t.Errorf("%s: a channel without interpretation must fall back to the floor", r.Channel)
				}
			}
			nWarn := 0
			for _, w := range tt.want {
				if len(w) > 4 && w[:4] == "none" {
					nWarn++
				}
			}
			if len(table.Warnings()) != nWarn {
				t.Errorf("%d warnings, want %d", len(table.Warnings()), nWarn)
			}
		})
	}
}

func TestHandover(t *testing.T) {
	b := &Booth{Language: "fr"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	refusedErr := func(err error) {
		t.Helper()
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("want a refusal, got %v", err)
		}
	}
	must(b.Join(Interpreter{ID: "anne", Inputs: []string{"en"}}))
	must(b.Join(Interpreter{ID: "bruno", Inputs: []string{"en", "es"}}))
	refusedErr(b.Join(Interpreter{ID: "anne"}))
	refusedErr(b.Request("anne", "")) // nobody live yet
	must(b.Take("anne"))
	refusedErr(b.Take("bruno"))
	// The live interpreter offers; only the partner accepts.
	must(b.Request("anne", ""))
	refusedErr(b.Accept("anne"))
	refusedErr(b.Request("bruno", ""))
	must(b.Accept("bruno"))
	if b.Live != "bruno" || b.Pending != nil {
		t.Fatalf("after an accepted offer: %+v", b)
	}
	// The passive one asks to take over; the live one accepts.
	must(b.Request("anne", ""))
	if b.Pending.From != "bruno" || b.Pending.To != "anne" {
		t.Fatalf("request: %+v", b.Pending)
	}
	must(b.Decline("bruno"))
	must(b.Request("anne", ""))
	must(b.Accept("bruno"))
	if b.Live != "anne" {
		t.Fatalf("after an accepted request: %+v", b)
	}
	must(b.Mute("anne", true))
	refusedErr(b.Mute("bruno", false))
	// The live interpreter's connection drops: the partner takes over.
	b.Leave("anne")
	if b.Live != "bruno" || b.Muted {
		t.Fatalf("after the live interpreter left: %+v", b)
	}
	must(b.Force(""))
	if b.Live != "" {
		t.Fatal("force off air")
	}
}

// TestBoothNeverBreaks applies long random sequences of every operation,
// by anyone, in any order, and checks the booth's invariants after each
// step: never more than one live interpreter (by construction), the live
// one and a pending handover's parties in the booth, and a live
// interpreter who leaves replaced by a partner when there is one.
func TestBoothNeverBreaks(t *testing.T) {
	ids := []string{"anne", "bruno", "chen", "dalia"}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, seed*7+1))
		b := &Booth{Language: "es"}
		for step := range 200 {
			id := ids[rng.IntN(len(ids))]
			other := ids[rng.IntN(len(ids))]
			var op string
			switch rng.IntN(9) {
			case 0, 1:
				op = "join"
				_ = b.Join(Interpreter{ID: id, Inputs: []string{"en"}})
			case 2:
				op = "leave"
				wasLive, partners := b.Live == id, len(b.Interpreters)-1
				b.Leave(id)
				if wasLive && partners > 0 && b.Live == "" {
					t.Fatalf("seed %d step %d: the live interpreter left and no partner took over", seed, step)
				}
			case 3:
				op = "take"
				_ = b.Take(id)
			case 4:
				op = "request"
				_ = b.Request(id, other)
			case 5:
				op = "accept"
				before := b.Pending
				if err := b.Accept(id); err == nil && b.Live != before.To {
					t.Fatalf("seed %d step %d: accepted handover did not put %q live", seed, step, before.To)
				}
			case 6:
				op = "decline"
				_ = b.Decline(id)
			case 7:
				op = "force"
				if rng.IntN(4) == 0 {
					other = ""
				}
				_ = b.Force(other)
			case 8:
				op = "mute"
				_ = b.Mute(id, rng.IntN(2) == 0)
			}
			if err := b.Check(); err != nil {
				t.Fatalf("seed %d step %d (%s by %s): %v; booth %+v", seed, step, op, id, err, b)
			}
		}
	}
}

func TestHandoverCountdown(t *testing.T) {
	t0 := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
	zero := t0.Add(10 * time.Second)
	tests := []struct {
		name         string
		acceptAt     time.Time
		dueAt        time.Time
		wantSwitched bool // by the accept
		wantDue      bool // by Due at dueAt
	}{
		{"accepted before zero: switch at zero", t0.Add(3 * time.Second), zero, false, true},
		{"accepted before zero: not before it", t0.Add(3 * time.Second), zero.Add(-time.Millisecond), false, false},
		{"accepted after zero: switch at once", zero.Add(time.Second), zero.Add(2 * time.Second), true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Booth{Language: "fr"}
			for _, id := range []string{"anne", "bruno"} {
				if err := b.Join(Interpreter{ID: id}); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Take("anne"); err != nil {
				t.Fatal(err)
			}
			if err := b.RequestAt("bruno", "", zero); !errors.Is(err, ErrRefused) {
				t.Fatalf("a passive interpreter counts down: %v", err)
			}
			if err := b.RequestAt("anne", "", zero); err != nil || b.Pending.At == nil || !b.Pending.At.Equal(zero) {
				t.Fatalf("offer in 10 s: %v %+v", err, b.Pending)
			}
			if b.Due(zero.Add(time.Hour)) {
				t.Fatal("Due switched a countdown nobody accepted")
			}
			switched, err := b.AcceptAt("bruno", tc.acceptAt)
			if err != nil || switched != tc.wantSwitched {
				t.Fatalf("accept: switched %v, %v; want %v", switched, err, tc.wantSwitched)
			}
			if got := b.Due(tc.dueAt); got != tc.wantDue {
				t.Fatalf("Due at %v = %v, want %v", tc.dueAt.Sub(t0), got, tc.wantDue)
			}
			if wantLive := tc.wantSwitched || tc.wantDue; (b.Live == "bruno") != wantLive || (b.Pending == nil) != wantLive {
				t.Fatalf("booth %+v", b)
			}
			if err := b.Check(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
