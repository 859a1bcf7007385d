package poll_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/poll"
)

func opts(n int) []agenda.Text {
	out := make([]agenda.Text, n)
	for i := range out {
		out[i] = agenda.Text{"en": strings.Repeat("o", i+1)}
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		poll  poll.Poll
		field string // "" when valid
	}{
		{"two options", poll.Poll{Question: agenda.Text{"en": "Q?"}, Options: opts(2)}, ""},
		{"four languages", poll.Poll{Question: agenda.Text{"en": "Q?", "fr": "Q ?", "es": "¿Q?", "ar": "س؟"},
			Options: []agenda.Text{{"en": "a", "fr": "a", "es": "a", "ar": "أ"}, {"en": "b", "fr": "b", "es": "b", "ar": "ب"}}}, ""},
		{"one option", poll.Poll{Question: agenda.Text{"en": "Q?"}, Options: opts(1)}, "options"},
		{"eleven options", poll.Poll{Question: agenda.Text{"en": "Q?"}, Options: opts(11)}, "options"},
		{"no question", poll.Poll{Options: opts(2)}, "question"},
		{"a question over the limit", poll.Poll{Question: agenda.Text{"en": strings.Repeat("q", poll.MaxQuestion+1)}, Options: opts(2)}, "question.en"},
		{"an option over the limit", poll.Poll{Question: agenda.Text{"en": "Q?"}, Options: []agenda.Text{{"en": strings.Repeat("o", poll.MaxOption+1)}, {"en": "b"}}}, "options[0].en"},
		{"a line break", poll.Poll{Question: agenda.Text{"en": "Q\n?"}, Options: opts(2)}, "question.en"},
		{"an unknown language", poll.Poll{Question: agenda.Text{"de": "Frage?"}, Options: []agenda.Text{{"de": "a"}, {"de": "b"}}}, "question.de"},
		{"a missing translation", poll.Poll{Question: agenda.Text{"en": "Q?", "fr": "Q ?"}, Options: opts(2)}, "options[0].fr"},
		{"an empty option", poll.Poll{Question: agenda.Text{"en": "Q?"}, Options: []agenda.Text{{}, {"en": "b"}}}, "options[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.poll.Validate()
			var ve *poll.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Fields[tc.field] == "" || !errors.Is(err, poll.ErrInvalid)):
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	one := poll.Poll{Options: opts(3)}
	several := poll.Poll{Options: opts(3), Multiple: true}
	tests := []struct {
		name    string
		poll    poll.Poll
		choices []int
		ok      bool
	}{
		{"one choice", one, []int{2}, true},
		{"two in a one-choice poll", one, []int{0, 1}, false},
		{"none", several, nil, false},
		{"several", several, []int{0, 2}, true},
		{"a repeat", several, []int{1, 1}, false},
		{"out of range", several, []int{3}, false},
		{"negative", one, []int{-1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.poll.Check(tc.choices); (err == nil) != tc.ok {
				t.Fatalf("Check(%v) = %v", tc.choices, err)
			}
		})
	}
}

func TestSetValidate(t *testing.T) {
	p := poll.Poll{ID: "a", Question: agenda.Text{"en": " Q? "}, Options: opts(2)}
	set, err := poll.Set{Event: "ev", Polls: []poll.Poll{p}}.Validate()
	if err != nil || set.Polls[0].Question["en"] != "Q?" {
		t.Fatalf("cleaned %+v, %v", set, err)
	}
	many := make([]poll.Poll, poll.MaxPrepared+1)
	for i := range many {
		many[i] = p
		many[i].ID = strings.Repeat("x", i+1)
	}
	var ve *poll.ValidationError
	if _, err := (poll.Set{Polls: many}).Validate(); !errors.As(err, &ve) || ve.Fields["polls"] == "" {
		t.Fatalf("too many polls: %v", err)
	}
}
