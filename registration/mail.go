package registration

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Mailer sends one message. The SMTP implementation is wired by the
// server (with --smtp); without one, nothing is sent and the registrant's
// page shows everything. Send must honour ctx and return once the relay
// accepted the message or refused it.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// Message is one plain-text mail to a registrant.
type Message struct {
	// To is the registrant's bare address.
	To string
	// Language is the language of Subject and Body (ISO 639-1), for the
	// Content-Language header.
	Language string
	// Subject is one line (no CR or LF).
	Subject string
	// Body is plain text, lines separated by "\n".
	Body string
}

// MailKind is what a mail tells a registrant.
type MailKind string

// Mail kinds.
const (
	// MailConfirmation follows Register: approved, pending or waitlisted
	// (with the position).
	MailConfirmation MailKind = "confirmation"
	// MailApproval follows Approve.
	MailApproval MailKind = "approval"
	// MailDecline follows Decline, with the organizer's message.
	MailDecline MailKind = "decline"
	// MailPromotion tells a waitlisted registrant that a place freed
	// (approved, or pending under manual approval).
	MailPromotion MailKind = "promotion"
	// MailReminderDay goes a day before the start to approved registrants.
	MailReminderDay MailKind = "reminder_day"
	// MailReminderHour goes an hour before the start to approved registrants.
	MailReminderHour MailKind = "reminder_hour"
)

// ReminderAt returns when a reminder of kind is due for event ev; zero
// for other kinds.
func ReminderAt(kind MailKind, ev agenda.Event) time.Time {
	switch kind {
	case MailReminderDay:
		return ev.Start.Add(-24 * time.Hour)
	case MailReminderHour:
		return ev.Start.Add(-time.Hour)
	}
	return time.Time{}
}

// Mail is what Compose needs for one message.
type Mail struct {
	Kind         MailKind
	Registration Registration
	// Event gives the title (in the registrant's language, falling back as
	// agenda.Text does), the times and the time zone.
	Event agenda.Event
	// PageURL is the registrant's personal page, token included (see
	// Service.IssueLink for mails after the confirmation).
	PageURL string
	// Position is the waitlist position, for a waitlisted confirmation.
	Position int
}

// ErrNoAddress: the registration has no email address to write to.
var ErrNoAddress = newErr("no_address", "the registration has no email address")

// Compose builds the subject and plain-text body of a mail in the
// registrant's language (English if the catalog lacks it). It refuses a
// registration without an address (ErrNoAddress), a kind that does not
// match the registration's status (ErrState: a reminder to a declined
// registrant), and an unknown kind (ErrInvalid).
func Compose(m Mail) (Message, error) {
	r := m.Registration
	if r.Email == "" {
		return Message{}, ErrNoAddress
	}
	tpl, err := pick(m.Kind, r.Status)
	if err != nil {
		return Message{}, err
	}
	lang := r.Language
	txt, ok := mailTexts[lang]
	if !ok {
		lang, txt = "en", mailTexts["en"]
	}
	title := oneLine(m.Event.Title.Get(lang))
	fill := strings.NewReplacer("{name}", r.Name, "{event}", title, "{position}", strconv.Itoa(m.Position))
	var b strings.Builder
	b.WriteString(fill.Replace(txt.greeting) + "\n\n")
	b.WriteString(fill.Replace(txt.lead[tpl]) + "\n\n")
	if tpl == tplDecline && r.Message != "" {
		b.WriteString(txt.message + "\n" + r.Message + "\n\n")
	}
	b.WriteString(txt.when + " " + FormatWhen(m.Event.Start, m.Event.End, m.Event.TimeZone, lang) + "\n\n")
	b.WriteString(txt.page + "\n" + m.PageURL + "\n\n")
	b.WriteString(txt.privacy + "\n\n" + txt.signoff + "\n")
	return Message{To: r.Email, Language: lang, Subject: oneLine(fill.Replace(txt.subject[tpl])), Body: b.String()}, nil
}

// pick chooses the template for a kind and status.
func pick(kind MailKind, st Status) (template, error) {
	wrong := fmt.Errorf("%w: no %s mail for a registration that is %s", ErrState, kind, st)
	switch kind {
	case MailConfirmation:
		switch st {
		case StatusApproved:
			return tplConfirmApproved, nil
		case StatusPending:
			return tplConfirmPending, nil
		case StatusWaitlisted:
			return tplConfirmWaiting, nil
		}
		return "", wrong
	case MailPromotion:
		switch st {
		case StatusApproved:
			return tplPromoteApproved, nil
		case StatusPending:
			return tplPromotePending, nil
		}
		return "", wrong
	case MailApproval, MailReminderDay, MailReminderHour:
		if st != StatusApproved {
			return "", wrong
		}
		return map[MailKind]template{MailApproval: tplApproval, MailReminderDay: tplReminderDay, MailReminderHour: tplReminderHour}[kind], nil
	case MailDecline:
		if st != StatusDeclined {
			return "", wrong
		}
		return tplDecline, nil
	}
	return "", (problems{"kind": fmt.Sprintf("unknown mail kind %q", kind)}).err()
}

// oneLine replaces line breaks and other control characters with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// FormatWhen writes an event's date and times in lang, in the event's
// time zone (UTC if tz is unknown), with the zone's name and UTC offset:
// "Thursday 1 July 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)". An
// event that ends on another day names both days.
func FormatWhen(start, end time.Time, tz, lang string) string {
	txt, ok := mailTexts[lang]
	if !ok {
		txt = mailTexts["en"]
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc, tz = time.UTC, "UTC"
	}
	s, e := start.In(loc), end.In(loc)
	sep := ", "
	if lang == "ar" {
		sep = "، "
	}
	out := txt.formatDate(s) + sep + s.Format(txt.clock)
	if e.YearDay() != s.YearDay() || e.Year() != s.Year() {
		out += " – " + txt.formatDate(e) + sep + e.Format(txt.clock)
	} else {
		out += "–" + e.Format(txt.clock)
	}
	zone := "UTC" + s.Format("-07:00")
	if lang == "ar" {
		return out + " (" + tz + "، " + zone + ")"
	}
	return out + " (" + tz + ", " + zone + ")"
}

func (txt *mailText) formatDate(t time.Time) string {
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 && txt.dayOne != "" {
		day = txt.dayOne
	}
	return strings.NewReplacer("{weekday}", txt.weekdays[t.Weekday()], "{day}", day,
		"{month}", txt.months[t.Month()-1], "{year}", strconv.Itoa(t.Year())).Replace(txt.date)
}
