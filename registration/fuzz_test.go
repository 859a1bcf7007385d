package registration_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/majlis/majlis/registration"
)

// FuzzCheckAnswers feeds answers as a registrant's API body would carry
// them (JSON) to the validation against a form with one question of each
// kind. Accepted answers must answer only the form's questions, within
// their limits, and validate again unchanged; refusals must name fields
// under "answers", a bounded number of them.
func FuzzCheckAnswers(f *testing.F) {
	f.Add([]byte(`{"org":{"text":"Commission"},"topics":{"choices":["a","c"]},"consent":{"consent":true}}`))
	f.Add([]byte(`{"org":{"text":"x"},"topics":{"choices":["a","a"]},"consent":{"consent":true}}`))
	f.Add([]byte(`{"phone":{"text":"+1"},"org":{"text":"=cmd"},"consent":{"consent":true}}`))
	fm := answerForm()
	f.Fuzz(func(t *testing.T, body []byte) {
		var answers map[string]registration.Answer
		if len(body) > 64<<10 || json.Unmarshal(body, &answers) != nil {
			return
		}
		out, err := registration.CheckAnswers(fm, answers)
		if err != nil {
			var ve *registration.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, registration.ErrInvalid) {
				t.Fatalf("not a validation error: %v", err)
			}
			if len(ve.Fields) > len(fm.Questions)+4 {
				t.Fatalf("%d fields named", len(ve.Fields))
			}
			for k := range ve.Fields {
				if !strings.HasPrefix(k, "answers") || len(k) > len("answers.")+64 {
					t.Fatalf("field %q", k)
				}
			}
			return
		}
		for id, a := range out {
			q, ok := fm.Question(id)
			if !ok {
				t.Fatalf("accepted an answer to %q", id)
			}
			if !utf8.ValidString(a.Text) || utf8.RuneCountInString(a.Text) > q.MaxRunes || strings.ContainsAny(a.Text, "\r\n") {
				t.Fatalf("accepted text %q", a.Text)
			}
		}
		for _, q := range fm.Questions {
			if _, ok := out[q.ID]; q.Required && !ok {
				t.Fatalf("accepted without required %s", q.ID)
			}
		}
		again, err := registration.CheckAnswers(fm, out)
		if err != nil || !reflect.DeepEqual(again, out) {
			t.Fatalf("not idempotent: %v\n%+v\n%+v", err, out, again)
		}
	})
}
