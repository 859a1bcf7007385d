package registration

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
)

// Limits on a form. Every field of a form and of a registration has one.
const (
	MaxQuestions       = 30
	MaxLabelRunes      = 500  // a question's label, per language
	MaxConsentRunes    = 4000 // a consent question's text, per language
	MaxOptions         = 20   // options of one choice question
	MaxOptionRunes     = 200  // an option's label, per language
	MaxTextAnswerRunes = 2000 // the largest MaxRunes a text question may set
	DefaultTextRunes   = 500  // a text question's MaxRunes when unset
	MaxCapacity        = 100000
	MaxRetentionDays   = 3650
	// DefaultRetentionDays is how long registrations outlive their event.
	DefaultRetentionDays = 90
)

// Kind is the kind of a question.
type Kind string

// Question kinds.
const (
	// KindText asks for a short text (one line, at most MaxRunes).
	KindText Kind = "text"
	// KindChoice asks for exactly one option (none when optional).
	KindChoice Kind = "choice"
	// KindChoices asks for any number of options (one at least when required).
	KindChoices Kind = "choices"
	// KindConsent asks the registrant to agree to its label (the consent
	// text); always required: a registration without it is refused.
	KindConsent Kind = "consent"
)

// Approval is how a registration that gets a place is decided.
type Approval string

// Approval modes.
const (
	// ApprovalAutomatic approves whoever gets a place.
	ApprovalAutomatic Approval = "automatic"
	// ApprovalManual leaves whoever gets a place pending until an
	// organizer approves or declines them.
	ApprovalManual Approval = "manual"
)

// EmailRule says whether the form asks for an email address.
type EmailRule string

// Email rules.
const (
	// EmailOptional asks for an address but takes registrations without one.
	EmailOptional EmailRule = "optional"
	// EmailRequired refuses registrations without an address.
	EmailRequired EmailRule = "required"
	// EmailNone does not ask: an address sent anyway is refused.
	EmailNone EmailRule = "none"
)

// Option is one answer a choice question offers.
type Option struct {
	// ID is stable across edits and is what answers carry ([a-z0-9_-], ≤ 32).
	ID    string      `json:"id"`
	Label agenda.Text `json:"label"`
}

// Question is one question of a form.
type Question struct {
	// ID is stable across edits and is what answers are keyed by
	// ([a-z0-9_-], ≤ 32).
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Label is the question in the form's languages; for a consent
	// question, the text agreed to.
	Label agenda.Text `json:"label"`
	// Required: an answer must be given. Consent questions are always
	// required.
	Required bool `json:"required"`
	// Options of a choice question (2 to MaxOptions); none otherwise.
	Options []Option `json:"options,omitempty"`
	// MaxRunes bounds a text answer. Default DefaultTextRunes; at most
	// MaxTextAnswerRunes; text questions only.
	MaxRunes int `json:"max_runes,omitempty"`
}

// Form is an event's registration form and rules.
type Form struct {
	// Event is the agenda event's ID.
	Event string `json:"event"`
	// Open: the event takes registrations. Off, the registration page
	// says so and Register refuses with ErrClosed.
	Open      bool       `json:"open"`
	Questions []Question `json:"questions"`
	// Approval: automatic (default) or manual.
	Approval Approval `json:"approval"`
	// Capacity is the number of places (pending and approved registrations
	// hold one); 0 means no limit. Beyond it, registrants are waitlisted,
	// first come first served.
	Capacity int `json:"capacity"`
	// Deadline closes registration; zero means the event's end.
	Deadline time.Time `json:"deadline"`
	// Pseudonyms: registrants may give a pseudonym as their display name.
	Pseudonyms bool `json:"pseudonyms"`
	// Email: whether the form asks for an address. Default optional.
	Email EmailRule `json:"email"`
	// RetentionDays: registrations are deleted this many days after the
	// event ends. Default DefaultRetentionDays.
	RetentionDays int `json:"retention_days"`
	// Start, End and TimeZone are copied from the agenda event by
	// Service.PutForm (and must be refreshed when the event moves): Purge,
	// the join link's validity and the mails use them.
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	TimeZone string    `json:"timezone"`
	// Updated is set by the Service on every write.
	Updated time.Time `json:"updated"`
	// Version is the store's optimistic version (1 after create).
	Version int64 `json:"version"`
}

// Closes returns when registration closes: the deadline, or the event's end.
func (f Form) Closes() time.Time {
	if f.Deadline.IsZero() {
		return f.End
	}
	return f.Deadline
}

// Placed is the status of a registrant who gets a place under the form:
// approved with automatic approval, pending with manual.
func (f Form) Placed() Status {
	if f.Approval == ApprovalManual {
		return StatusPending
	}
	return StatusApproved
}

// PurgeAfter returns when the form's registrations are to be deleted.
func (f Form) PurgeAfter() time.Time {
	days := f.RetentionDays
	if days == 0 {
		days = DefaultRetentionDays
	}
	return f.End.AddDate(0, 0, days)
}

// Question returns the question with the given ID.
func (f Form) Question(id string) (Question, bool) {
	i := slices.IndexFunc(f.Questions, func(q Question) bool { return q.ID == id })
	if i < 0 {
		return Question{}, false
	}
	return f.Questions[i], true
}

// withDefaults fills the zero-valued fields with their defaults.
func (f Form) withDefaults() Form {
	if f.Approval == "" {
		f.Approval = ApprovalAutomatic
	}
	if f.Email == "" {
		f.Email = EmailOptional
	}
	if f.RetentionDays == 0 {
		f.RetentionDays = DefaultRetentionDays
	}
	qs := make([]Question, len(f.Questions))
	for i, q := range f.Questions {
		if q.Kind == KindText && q.MaxRunes == 0 {
			q.MaxRunes = DefaultTextRunes
		}
		if q.Kind == KindConsent {
			q.Required = true
		}
		qs[i] = q
	}
	f.Questions = qs
	return f
}

var idPattern = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

// Validate checks the form against its limits; langs are the accepted
// label languages. Errors name the fields (questions[i].label.fr…).
func (f Form) Validate(langs []string) error {
	p := problems{}
	if f.Event == "" {
		p.add("event", "required")
	}
	switch f.Approval {
	case ApprovalAutomatic, ApprovalManual:
	default:
		p.add("approval", "must be automatic or manual")
	}
	switch f.Email {
	case EmailOptional, EmailRequired, EmailNone:
	default:
		p.add("email", "must be optional, required or none")
	}
	if f.Capacity < 0 || f.Capacity > MaxCapacity {
		p.add("capacity", "must be between 0 (no limit) and %d", MaxCapacity)
	}
	// At least a day: a webinar's room takes votes until a day after the
	// end (realtime.AnswersKept), and the retention deletes the keys that
	// make each vote count once.
	if f.RetentionDays < 1 || f.RetentionDays > MaxRetentionDays {
		p.add("retention_days", "must be between 1 and %d", MaxRetentionDays)
	}
	if !f.Deadline.IsZero() && !f.End.IsZero() && f.Deadline.After(f.End) {
		p.add("deadline", "must not be after the event ends")
	}
	if len(f.Questions) > MaxQuestions {
		p.add("questions", "at most %d questions", MaxQuestions)
		return p.err()
	}
	seen := map[string]bool{}
	for i, q := range f.Questions {
		at := fmt.Sprintf("questions[%d]", i)
		if !idPattern.MatchString(q.ID) {
			p.add(at+".id", "1 to 32 of a-z, 0-9, _ and -")
		} else if seen[q.ID] {
			p.add(at+".id", "duplicate question id %q", q.ID)
		}
		seen[q.ID] = true
		limit := MaxLabelRunes
		if q.Kind == KindConsent {
			limit = MaxConsentRunes
		}
		checkText(p, at+".label", q.Label, limit, langs)
		switch q.Kind {
		case KindText:
			if q.MaxRunes < 1 || q.MaxRunes > MaxTextAnswerRunes {
				p.add(at+".max_runes", "must be between 1 and %d", MaxTextAnswerRunes)
			}
		case KindChoice, KindChoices:
		case KindConsent:
			if !q.Required {
				p.add(at+".required", "a consent is always required")
			}
		default:
			p.add(at+".kind", "must be text, choice, choices or consent")
		}
		if q.Kind != KindText && q.MaxRunes != 0 {
			p.add(at+".max_runes", "only for text questions")
		}
		choice := q.Kind == KindChoice || q.Kind == KindChoices
		switch {
		case !choice && len(q.Options) > 0:
			p.add(at+".options", "only for choice questions")
		case choice && (len(q.Options) < 2 || len(q.Options) > MaxOptions):
			p.add(at+".options", "between 2 and %d options", MaxOptions)
		case choice:
			ids := map[string]bool{}
			for j, o := range q.Options {
				oat := fmt.Sprintf("%s.options[%d]", at, j)
				if !idPattern.MatchString(o.ID) {
					p.add(oat+".id", "1 to 32 of a-z, 0-9, _ and -")
				} else if ids[o.ID] {
					p.add(oat+".id", "duplicate option id %q", o.ID)
				}
				ids[o.ID] = true
				checkText(p, oat+".label", o.Label, MaxOptionRunes, langs)
			}
		}
	}
	return p.err()
}

// checkText checks a label: some language present, known languages only,
// each within limit runes, one line of printable text.
func checkText(p problems, at string, t agenda.Text, limit int, langs []string) {
	if len(t) > len(langs) {
		p.add(at, "too many languages")
		return
	}
	some := false
	for l, s := range t {
		if !slices.Contains(langs, l) {
			p.add(at+"."+l, "unknown language")
			continue
		}
		if strings.TrimSpace(s) != "" {
			some = true
		}
		if why := textProblem(s, limit, true); why != "" {
			p.add(at+"."+l, "%s", why)
		}
	}
	if !some {
		p.add(at, "required in at least one language")
	}
}

// textProblem says what is wrong with s as user text of at most limit
// characters under the one rule for user text (package usertext), or "".
// Line breaks are allowed only when multiline.
func textProblem(s string, limit int, multiline bool) string {
	f := usertext.Line
	if multiline {
		f = usertext.Block
	}
	return usertext.Problem(s, f, limit)
}
