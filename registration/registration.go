package registration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on a registration.
const (
	MaxNameRunes    = 100
	MaxEmailBytes   = 254  // RFC 5321's path limit
	MaxMessageRunes = 1000 // an organizer's decline message
	// MaxTokens bounds the live personal links of one registration (each
	// mail after the confirmation carries a fresh one; the oldest goes).
	MaxTokens = 8
)

// Status is where a registration stands.
type Status string

// Statuses. Pending and approved registrations hold a place.
const (
	StatusPending    Status = "pending"
	StatusApproved   Status = "approved"
	StatusWaitlisted Status = "waitlisted"
	StatusDeclined   Status = "declined"
	StatusCancelled  Status = "cancelled"
)

// Statuses lists every status, in the order pages show them.
var Statuses = []Status{StatusPending, StatusApproved, StatusWaitlisted, StatusDeclined, StatusCancelled}

// HoldsPlace reports whether a registration in status s counts against
// the capacity.
func (s Status) HoldsPlace() bool { return s == StatusPending || s == StatusApproved }

// Step is one status a registration took, and when.
type Step struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
}

// Answer is the answer to one question: Text for a text question, Choices
// (option IDs) for a choice question (one) or choices question (any),
// Consent for a consent question. The others stay empty.
type Answer struct {
	Text    string   `json:"text,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Consent bool     `json:"consent,omitempty"`
}

// Request is what a registrant submits.
type Request struct {
	// Name is the display name shown to organizers (and, later, in the room).
	Name string `json:"name"`
	// Pseudonym: the registrant says Name is a pseudonym (only when the
	// form allows pseudonyms).
	Pseudonym bool `json:"pseudonym"`
	// Email is optional unless the form requires it; refused when the
	// form does not ask for one.
	Email string `json:"email"`
	// Language is the registrant's language for pages and mails.
	Language string `json:"language"`
	// Answers are keyed by question ID; only the form's questions.
	Answers map[string]Answer `json:"answers"`
}

// Registration is one person's registration for an event.
type Registration struct {
	ID    string `json:"id"`
	Event string `json:"event"`
	// Seq is the arrival order within the event (1, 2, …), set by the
	// store in the same atomic step as the capacity check.
	Seq       int64             `json:"seq"`
	Name      string            `json:"name"`
	Pseudonym bool              `json:"pseudonym,omitempty"`
	Email     string            `json:"email,omitempty"`
	Language  string            `json:"language"`
	Answers   map[string]Answer `json:"answers,omitempty"`
	// FormVersion is the version of the form answered (what the consent
	// said then).
	FormVersion int64  `json:"form_version"`
	Status      Status `json:"status"`
	// History lists every status taken, oldest first; the last is Status.
	History []Step `json:"history"`
	// Message is the organizer's decline message, shown to the registrant.
	Message string `json:"message,omitempty"`
	// EmailKey is the hex SHA-256 of the event and the normalised address,
	// the key of the store's one-registration-per-address rule; empty
	// without an email.
	EmailKey string `json:"email_key,omitempty"`
	// TokenHashes are the hex SHA-256 of the live personal links; the
	// tokens themselves are never stored.
	TokenHashes []string  `json:"token_hashes"`
	Created     time.Time `json:"created"`
}

// Since returns when the registration took its current status.
func (r Registration) Since() time.Time {
	if len(r.History) == 0 {
		return r.Created
	}
	return r.History[len(r.History)-1].At
}

// emailKey is the uniqueness key of an address for one event.
func emailKey(event, email string) string {
	if email == "" {
		return ""
	}
	h := sha256.Sum256([]byte(event + "\x00" + strings.ToLower(email)))
	return hex.EncodeToString(h[:])
}

// check validates a request against the form and returns it normalised
// (trimmed name, bare address, answers stripped of empty ones). langs are
// the accepted registrant languages.
func (req Request) check(f Form, langs []string) (Request, error) {
	p := problems{}
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case req.Name == "":
		p.add("name", "required")
	default:
		if why := textProblem(req.Name, MaxNameRunes, false); why != "" {
			p.add("name", "%s", why)
		}
	}
	if req.Pseudonym && !f.Pseudonyms {
		p.add("pseudonym", "this event does not take pseudonyms")
	}
	req.Email = strings.TrimSpace(req.Email)
	switch {
	case req.Email == "" && f.Email == EmailRequired:
		p.add("email", "required")
	case req.Email != "" && f.Email == EmailNone:
		p.add("email", "this form does not ask for an email address")
	case req.Email != "":
		addr, why := checkEmail(req.Email)
		if why != "" {
			p.add("email", "%s", why)
		}
		req.Email = addr
	}
	if !slices.Contains(langs, req.Language) {
		p.add("language", "must be one of %s", strings.Join(langs, ", "))
	}
	req.Answers = checkAnswers(p, f, req.Answers)
	return req, p.err()
}

// checkEmail returns the bare address of s, or why it is not one.
func checkEmail(s string) (string, string) {
	if len(s) > MaxEmailBytes {
		return "", fmt.Sprintf("at most %d bytes", MaxEmailBytes)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(a.Address, "@") {
		return "", "not an email address (give the bare address: name@example.org)"
	}
	return a.Address, ""
}

// CheckAnswers validates answers against the form: unknown questions are
// refused (the form collects only what it asks), required ones must be
// answered, each within its limits. It returns the answers normalised
// (empty answers dropped, choices sorted in the form's option order) or a
// *ValidationError naming "answers.<id>" fields.
func CheckAnswers(f Form, answers map[string]Answer) (map[string]Answer, error) {
	p := problems{}
	out := checkAnswers(p, f.withDefaults(), answers)
	return out, p.err()
}

func checkAnswers(p problems, f Form, answers map[string]Answer) map[string]Answer {
	if len(answers) > len(f.Questions) {
		p.add("answers", "more answers than questions")
	}
	unknown := make([]string, 0)
	for id := range answers {
		if _, ok := f.Question(id); !ok {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(unknown)
	for i, id := range unknown {
		if i == 3 {
			break // a handful of names is enough; the field list stays small
		}
		if utf8.ValidString(id) && len(id) <= 64 {
			p.add("answers."+id, "no such question in this form")
		} else {
			p.add("answers", "an answer to no question of this form")
		}
	}
	out := map[string]Answer{}
	for _, q := range f.Questions {
		at := "answers." + q.ID
		a := answers[q.ID]
		a.Text = strings.TrimSpace(a.Text)
		empty := a.Text == "" && len(a.Choices) == 0 && !a.Consent
		if empty {
			if q.Required {
				p.add(at, "required")
			}
			continue
		}
		switch q.Kind {
		case KindText:
			if len(a.Choices) > 0 || a.Consent {
				p.add(at, "a text question takes a text")
				continue
			}
			if why := textProblem(a.Text, q.MaxRunes, false); why != "" {
				p.add(at, "%s", why)
				continue
			}
			out[q.ID] = Answer{Text: a.Text}
		case KindChoice, KindChoices:
			if a.Text != "" || a.Consent {
				p.add(at, "a choice question takes option ids")
				continue
			}
			if q.Kind == KindChoice && len(a.Choices) != 1 {
				p.add(at, "choose one option")
				continue
			}
			if len(a.Choices) > len(q.Options) {
				p.add(at, "more choices than options")
				continue
			}
			picked := map[string]bool{}
			for _, c := range a.Choices {
				picked[c] = true
			}
			var got []string
			for _, o := range q.Options {
				if picked[o.ID] {
					got = append(got, o.ID)
				}
			}
			if len(got) != len(a.Choices) {
				p.add(at, "unknown or repeated option")
				continue
			}
			out[q.ID] = Answer{Choices: got}
		case KindConsent:
			if a.Text != "" || len(a.Choices) > 0 {
				p.add(at, "a consent question takes consent: true")
				continue
			}
			out[q.ID] = Answer{Consent: true}
		}
	}
	return out
}
