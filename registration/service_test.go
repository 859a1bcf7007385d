package registration_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/registration/registrationtest"
)

var ctx = context.Background()

// now is the tests' clock: a week before registrationtest.Webinar.
var now = registrationtest.Webinar.Start.AddDate(0, 0, -7)

func service(t testing.TB, f registration.Form) (*registration.Service, *memStore) {
	t.Helper()
	st := newMemStore()
	svc := registration.New(registration.Config{Now: func() time.Time { return now }}, st)
	if _, _, err := svc.PutForm(ctx, registrationtest.Webinar, f, 0); err != nil {
		t.Fatalf("put form: %v", err)
	}
	return svc, st
}

func text(s string) agenda.Text { return agenda.Text{"en": s} }

func choices(n int) []registration.Option {
	var out []registration.Option
	for i := range n {
		out = append(out, registration.Option{ID: "o" + strings.Repeat("x", i%5) + string(rune('a'+i%26)), Label: text("option")})
	}
	return out
}

func TestFormValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ب", registration.MaxLabelRunes+1)
	many := make([]registration.Question, registration.MaxQuestions+1)
	for i := range many {
		many[i] = registration.Question{ID: "q" + strings.Repeat("a", i%30), Kind: registration.KindText, Label: text("q")}
	}
	tests := []struct {
		name  string
		form  registration.Form
		field string // the field named in the error; "" when valid
	}{
		{"the suite's form", registrationtest.Form(50, registration.ApprovalManual), ""},
		{"too many questions", registration.Form{Questions: many}, "questions"},
		{"a label over the limit", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: agenda.Text{"ar": long}}}}, "questions[0].label.ar"},
		{"a label in no language", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: agenda.Text{"en": " "}}}}, "questions[0].label"},
		{"a label in an unknown language", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: agenda.Text{"de": "Frage", "en": "q"}}}}, "questions[0].label.de"},
		{"a bad question id", registration.Form{Questions: []registration.Question{{ID: "Q 1", Kind: registration.KindText, Label: text("q")}}}, "questions[0].id"},
		{"a duplicate question id", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: text("q")}, {ID: "q", Kind: registration.KindText, Label: text("q")}}}, "questions[1].id"},
		{"an unknown kind", registration.Form{Questions: []registration.Question{{ID: "q", Kind: "essay", Label: text("q")}}}, "questions[0].kind"},
		{"a choice with one option", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindChoice, Label: text("q"), Options: choices(1)}}}, "questions[0].options"},
		{"a choice with too many options", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindChoices, Label: text("q"), Options: choices(registration.MaxOptions + 1)}}}, "questions[0].options"},
		{"a duplicate option", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindChoice, Label: text("q"), Options: []registration.Option{{ID: "a", Label: text("a")}, {ID: "a", Label: text("b")}}}}}, "questions[0].options[1].id"},
		{"an option label over the limit", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindChoice, Label: text("q"), Options: []registration.Option{{ID: "a", Label: text(strings.Repeat("x", registration.MaxOptionRunes+1))}, {ID: "b", Label: text("b")}}}}}, "questions[0].options[0].label.en"},
		{"options on a text question", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: text("q"), Options: choices(2)}}}, "questions[0].options"},
		{"a text limit over the maximum", registration.Form{Questions: []registration.Question{{ID: "q", Kind: registration.KindText, Label: text("q"), MaxRunes: registration.MaxTextAnswerRunes + 1}}}, "questions[0].max_runes"},
		{"a consent text of 4000 characters", registration.Form{Questions: []registration.Question{{ID: "c", Kind: registration.KindConsent, Label: text(strings.Repeat("x", registration.MaxConsentRunes))}}}, ""},
		{"a consent text over the limit", registration.Form{Questions: []registration.Question{{ID: "c", Kind: registration.KindConsent, Label: text(strings.Repeat("x", registration.MaxConsentRunes+1))}}}, "questions[0].label.en"},
		{"a negative capacity", registration.Form{Capacity: -1}, "capacity"},
		{"a capacity over the limit", registration.Form{Capacity: registration.MaxCapacity + 1}, "capacity"},
		{"an unknown approval", registration.Form{Approval: "lottery"}, "approval"},
		{"an unknown email rule", registration.Form{Email: "maybe"}, "email"},
		{"a retention over the limit", registration.Form{RetentionDays: registration.MaxRetentionDays + 1}, "retention_days"},
		{"a deadline after the event", registration.Form{Deadline: registrationtest.Webinar.End.Add(time.Minute)}, "deadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc := registration.New(registration.Config{}, newMemStore())
			_, _, err := svc.PutForm(ctx, registrationtest.Webinar, tc.form, 0)
			var ve *registration.ValidationError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("valid form refused: %v", err)
			case tc.field != "" && (!errors.As(err, &ve) || ve.Fields[tc.field] == ""):
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			case tc.field != "" && registration.CodeOf(err) != "invalid":
				t.Fatalf("code %q", registration.CodeOf(err))
			}
		})
	}
}

func TestFormDefaults(t *testing.T) {
	t.Parallel()
	svc := registration.New(registration.Config{}, newMemStore())
	f, _, err := svc.PutForm(ctx, registrationtest.Webinar, registration.Form{Questions: []registration.Question{
		{ID: "org", Kind: registration.KindText, Label: text("Organisation")},
		{ID: "c", Kind: registration.KindConsent, Label: text("I agree")},
	}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.RetentionDays != 90 || f.Approval != registration.ApprovalAutomatic || f.Email != registration.EmailOptional ||
		f.Questions[0].MaxRunes != registration.DefaultTextRunes || !f.Questions[1].Required ||
		!f.End.Equal(registrationtest.Webinar.End) || f.Event != registrationtest.Webinar.ID || f.Open {
		t.Fatalf("defaults: %+v", f)
	}
}

// answerForm has one question of each kind.
func answerForm() registration.Form {
	return registration.Form{Open: true, Pseudonyms: false, Email: registration.EmailRequired, Questions: []registration.Question{
		{ID: "org", Kind: registration.KindText, Label: text("Organisation"), Required: true, MaxRunes: 20},
		{ID: "role", Kind: registration.KindChoice, Label: text("Role"), Options: []registration.Option{{ID: "nhri", Label: text("NHRI")}, {ID: "cso", Label: text("Civil society")}}},
		{ID: "topics", Kind: registration.KindChoices, Label: text("Topics"), Required: true, Options: []registration.Option{{ID: "a", Label: text("A")}, {ID: "b", Label: text("B")}, {ID: "c", Label: text("C")}}},
		{ID: "consent", Kind: registration.KindConsent, Label: text("I agree")},
	}}
}

func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	valid := func() registration.Request {
		return registration.Request{Name: "  Amina  ", Email: "amina@example.org", Language: "ar", Answers: map[string]registration.Answer{
			"org": {Text: "Commission"}, "topics": {Choices: []string{"c", "a"}}, "consent": {Consent: true}}}
	}
	tests := []struct {
		name  string
		edit  func(r *registration.Request)
		field string
	}{
		{"valid", func(*registration.Request) {}, ""},
		{"no name", func(r *registration.Request) { r.Name = " " }, "name"},
		{"a name over the limit", func(r *registration.Request) { r.Name = strings.Repeat("n", registration.MaxNameRunes+1) }, "name"},
		{"a name with a line break", func(r *registration.Request) { r.Name = "A\nB" }, "name"},
		{"a name with a bidi override", func(r *registration.Request) { r.Name = "Amina \u202egnp.exe" }, "name"},
		{"an answer with a bidi isolate", func(r *registration.Request) { r.Answers["org"] = registration.Answer{Text: "\u2067x"} }, "answers.org"},
		{"an Arabic name with a zero-width non-joiner", func(r *registration.Request) { r.Name = "مهرداد\u200cی" }, ""},
		{"a pseudonym the form does not allow", func(r *registration.Request) { r.Pseudonym = true }, "pseudonym"},
		{"no email where required", func(r *registration.Request) { r.Email = "" }, "email"},
		{"not an email", func(r *registration.Request) { r.Email = "amina at example.org" }, "email"},
		{"an email with a display name", func(r *registration.Request) { r.Email = "Amina <amina@example.org>" }, "email"},
		{"an email over the limit", func(r *registration.Request) { r.Email = strings.Repeat("a", 250) + "@example.org" }, "email"},
		{"an unknown language", func(r *registration.Request) { r.Language = "de" }, "language"},
		{"an answer the form does not ask", func(r *registration.Request) { r.Answers["phone"] = registration.Answer{Text: "+1 555"} }, "answers.phone"},
		{"a required text missing", func(r *registration.Request) { delete(r.Answers, "org") }, "answers.org"},
		{"a text over its limit", func(r *registration.Request) { r.Answers["org"] = registration.Answer{Text: strings.Repeat("x", 21)} }, "answers.org"},
		{"choices on a text question", func(r *registration.Request) { r.Answers["org"] = registration.Answer{Choices: []string{"a"}} }, "answers.org"},
		{"two options for one choice", func(r *registration.Request) {
			r.Answers["role"] = registration.Answer{Choices: []string{"nhri", "cso"}}
		}, "answers.role"},
		{"an unknown option", func(r *registration.Request) { r.Answers["topics"] = registration.Answer{Choices: []string{"z"}} }, "answers.topics"},
		{"a repeated option", func(r *registration.Request) { r.Answers["topics"] = registration.Answer{Choices: []string{"a", "a"}} }, "answers.topics"},
		{"no consent", func(r *registration.Request) { delete(r.Answers, "consent") }, "answers.consent"},
		{"a consent refused", func(r *registration.Request) { r.Answers["consent"] = registration.Answer{} }, "answers.consent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st := service(t, answerForm())
			req := valid()
			tc.edit(&req)
			before := len(st.dump())
			r, _, err := svc.Register(ctx, registrationtest.Webinar.ID, req)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid registration refused: %v", err)
				}
				if r.Name != strings.TrimSpace(req.Name) || len(r.Answers["topics"].Choices) != 2 || r.Answers["topics"].Choices[0] != "a" || r.EmailKey == "" {
					t.Fatalf("not normalised: %+v", r)
				}
				return
			}
			var ve *registration.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			}
			if after := len(st.dump()); after != before {
				t.Fatalf("a refused registration stored %d records", after-before)
			}
		})
	}
}

func TestEmailRuleNone(t *testing.T) {
	t.Parallel()
	f := registrationtest.Form(0, registration.ApprovalAutomatic)
	f.Email = registration.EmailNone
	svc, _ := service(t, f)
	req := registration.Request{Name: "Sparrow", Pseudonym: true, Email: "x@example.org", Language: "es", Answers: map[string]registration.Answer{"consent": {Consent: true}}}
	var ve *registration.ValidationError
	if _, _, err := svc.Register(ctx, registrationtest.Webinar.ID, req); !errors.As(err, &ve) || ve.Fields["email"] == "" {
		t.Fatalf("an address the form does not ask for: %v", err)
	}
	req.Email = ""
	r, rc, err := svc.Register(ctx, registrationtest.Webinar.ID, req)
	if err != nil || !r.Pseudonym || r.Email != "" || r.EmailKey != "" || rc.Position != 0 {
		t.Fatalf("pseudonymous registration: %v %+v", err, r)
	}
}

func TestApproveDeclineManual(t *testing.T) {
	t.Parallel()
	svc, _ := service(t, registrationtest.Form(1, registration.ApprovalManual))
	ev := registrationtest.Webinar.ID
	a, _, err := svc.Register(ctx, ev, registration.Request{Name: "A", Language: "en", Answers: map[string]registration.Answer{"consent": {Consent: true}}})
	if err != nil || a.Status != registration.StatusPending {
		t.Fatalf("first: %v %s", err, a.Status)
	}
	b, rcb, err := svc.Register(ctx, ev, registration.Request{Name: "B", Language: "en", Answers: map[string]registration.Answer{"consent": {Consent: true}}})
	if err != nil || b.Status != registration.StatusWaitlisted || rcb.Position != 1 {
		t.Fatalf("second: %v %s %d", err, b.Status, rcb.Position)
	}
	if _, err := svc.Approve(ctx, ev, b.ID); !errors.Is(err, registration.ErrState) || registration.CodeOf(err) != "invalid_state" {
		t.Fatalf("approving a waitlisted one: %v", err)
	}
	var ve *registration.ValidationError
	if _, _, err := svc.Decline(ctx, ev, a.ID, strings.Repeat("m", registration.MaxMessageRunes+1)); !errors.As(err, &ve) || ve.Fields["message"] == "" {
		t.Fatalf("a message over the limit: %v", err)
	}
	d, up, err := svc.Decline(ctx, ev, a.ID, "  Sorry, the room is for NHRI staff.  ")
	if err != nil || d.Message != "Sorry, the room is for NHRI staff." || len(up) != 1 || up[0].ID != b.ID || up[0].Status != registration.StatusPending {
		t.Fatalf("decline: %v %+v %+v", err, d, up)
	}
	got, err := svc.Approve(ctx, ev, b.ID)
	if err != nil || got.Status != registration.StatusApproved || len(got.History) != 3 {
		t.Fatalf("approve: %v %+v", err, got)
	}
	list, err := svc.List(ctx, ev, registration.Filter{Query: "b"})
	if err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("filter by name: %v %+v", err, list)
	}
	if _, err := svc.List(ctx, ev, registration.Filter{Statuses: []registration.Status{"maybe"}}); !errors.Is(err, registration.ErrInvalid) {
		t.Fatalf("an unknown status filter: %v", err)
	}
}

func TestIssueLink(t *testing.T) {
	t.Parallel()
	svc, _ := service(t, registrationtest.Form(0, registration.ApprovalAutomatic))
	r, rc, err := svc.Register(ctx, registrationtest.Webinar.ID, registrationtest.Request(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.Token) < 40 || strings.Contains(rc.Token, r.ID) || r.TokenHashes[0] != registration.HashToken(rc.Token) {
		t.Fatalf("token %q for %+v", rc.Token, r)
	}
	tok, err := svc.IssueLink(ctx, r.Event, r.ID)
	if err != nil || tok == rc.Token {
		t.Fatalf("issue: %v", err)
	}
	for _, k := range []string{rc.Token, tok} {
		if pg, err := svc.PageOf(ctx, k); err != nil || pg.Registration.ID != r.ID {
			t.Fatalf("page by %q: %v", k, err)
		}
	}
}

func TestCapacityGrowPromotes(t *testing.T) {
	t.Parallel()
	svc, _ := service(t, registrationtest.Form(1, registration.ApprovalAutomatic))
	ev := registrationtest.Webinar.ID
	for i := range 3 {
		if _, _, err := svc.Register(ctx, ev, registrationtest.Request(i)); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := svc.Form(ctx, ev)
	f.Capacity = 2
	_, up, err := svc.PutForm(ctx, registrationtest.Webinar, f, f.Version)
	if err != nil || len(up) != 1 || up[0].Seq != 2 || up[0].Status != registration.StatusApproved {
		t.Fatalf("grow: %v %+v", err, up)
	}
}

func TestForgetAndPurge(t *testing.T) {
	t.Parallel()
	f := registrationtest.Form(1, registration.ApprovalAutomatic)
	f.RetentionDays = 30
	svc, st := service(t, f)
	ev := registrationtest.Webinar.ID
	a, rca, _ := svc.Register(ctx, ev, registrationtest.Request(1))
	b, _, _ := svc.Register(ctx, ev, registrationtest.Request(2))
	up, err := svc.Forget(ctx, ev, a.ID)
	if err != nil || len(up) != 1 || up[0].ID != b.ID {
		t.Fatalf("forget: %v %+v", err, up)
	}
	if _, err := svc.PageOf(ctx, rca.Token); !errors.Is(err, registration.ErrForgedToken) {
		t.Fatalf("a forgotten link: %v", err)
	}
	for k, v := range st.dump() {
		for _, tr := range []string{a.ID, a.Name, a.Email, a.EmailKey, a.TokenHashes[0]} {
			if strings.Contains(k, tr) || strings.Contains(string(v), tr) {
				t.Fatalf("%s still holds %q", k, tr)
			}
		}
	}
	end := registrationtest.Webinar.End
	p, err := svc.Purge(ctx, end.AddDate(0, 0, 30).Add(-time.Second))
	if err != nil || p.Registrations != 0 {
		t.Fatalf("purge before the retention ends: %v %+v", err, p)
	}
	p, err = svc.Purge(ctx, end.AddDate(0, 0, 30))
	if err != nil || p.Registrations != 1 || len(p.Events) != 1 {
		t.Fatalf("purge: %v %+v", err, p)
	}
	for k := range st.dump() {
		if !strings.HasPrefix(k, "form/") && !strings.HasPrefix(k, "seq/") {
			t.Fatalf("purge left %s", k)
		}
	}
}

func TestSameEmailTwice(t *testing.T) {
	tests := []struct {
		name    string
		twice   bool
		wantErr error
	}{
		{"refused by default", false, registration.ErrDuplicate},
		{"taken when the server cannot mail the owner", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			now := registrationtest.Webinar.Start.Add(-time.Hour)
			svc := registration.New(registration.Config{Now: func() time.Time { return now }, SameEmailTwice: tc.twice}, newMemStore())
			if _, _, err := svc.PutForm(ctx, registrationtest.Webinar, registrationtest.Form(0, registration.ApprovalAutomatic), 0); err != nil {
				t.Fatal(err)
			}
			if _, _, err := svc.Register(ctx, registrationtest.Webinar.ID, registrationtest.Request(1)); err != nil {
				t.Fatal(err)
			}
			_, _, err := svc.Register(ctx, registrationtest.Webinar.ID, registrationtest.Request(1))
			if !errors.Is(err, tc.wantErr) && (err != nil || tc.wantErr != nil) {
				t.Fatalf("second registration: %v, want %v", err, tc.wantErr)
			}
		})
	}
}
