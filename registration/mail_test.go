package registration_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// sideEvent is the 2021 annual meeting's side event (16:30–18:00 CEST).
var sideEvent = agenda.Event{ID: "am2021-defenders", Kind: agenda.KindWebinar, TimeZone: "Europe/Brussels",
	Title: agenda.Text{
		"en": "Protecting and promoting human rights defenders and civic space",
		"fr": "Protéger et promouvoir les défenseurs des droits humains et l’espace civique",
		"es": "Proteger y promover a los defensores de derechos humanos y el espacio cívico",
		"ar": "حماية المدافعين عن حقوق الإنسان والفضاء المدني وتعزيزهم",
	},
	Start: time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC), End: time.Date(2021, 7, 1, 16, 0, 0, 0, time.UTC)}

func TestFormatWhen(t *testing.T) {
	t.Parallel()
	tests := []struct{ lang, want string }{
		{"en", "Thursday 1 July 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)"},
		{"fr", "jeudi 1er juillet 2021, 16 h 30–18 h 00 (Europe/Brussels, UTC+02:00)"},
		{"es", "jueves 1 de julio de 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)"},
		{"ar", "الخميس 1 يوليو 2021، 16:30–18:00 (Europe/Brussels، UTC+02:00)"},
		{"de", "Thursday 1 July 2021, 16:30–18:00 (Europe/Brussels, UTC+02:00)"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			if got := registration.FormatWhen(sideEvent.Start, sideEvent.End, sideEvent.TimeZone, tc.lang); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	late := registration.FormatWhen(time.Date(2021, 7, 1, 21, 30, 0, 0, time.UTC), time.Date(2021, 7, 1, 23, 0, 0, 0, time.UTC), "Europe/Brussels", "en")
	if late != "Thursday 1 July 2021, 23:30 – Friday 2 July 2021, 01:00 (Europe/Brussels, UTC+02:00)" {
		t.Fatalf("across midnight: %q", late)
	}
	if got := registration.FormatWhen(sideEvent.Start, sideEvent.End, "Nowhere/Land", "en"); !strings.HasSuffix(got, "14:30–16:00 (UTC, UTC+00:00)") {
		t.Fatalf("unknown zone: %q", got)
	}
}

func TestComposeEveryKindAndLanguage(t *testing.T) {
	t.Parallel()
	const page = "https://majlis.example/r/mjr_abc"
	tests := []struct {
		kind   registration.MailKind
		status registration.Status
		// want holds, per language, a phrase the body must contain.
		want map[string]string
	}{
		{registration.MailConfirmation, registration.StatusApproved, map[string]string{"en": "is confirmed", "fr": "est confirmée", "es": "está confirmada", "ar": "تم تأكيد تسجيلك"}},
		{registration.MailConfirmation, registration.StatusPending, map[string]string{"en": "review each registration", "fr": "examinent chaque inscription", "es": "revisan cada inscripción", "ar": "يراجع المنظمون"}},
		{registration.MailConfirmation, registration.StatusWaitlisted, map[string]string{"en": "in position 7", "fr": "en position 7", "es": "en el puesto 7", "ar": "في المرتبة 7"}},
		{registration.MailApproval, registration.StatusApproved, map[string]string{"en": "have approved", "fr": "ont accepté", "es": "han aprobado", "ar": "وافق المنظمون"}},
		{registration.MailDecline, registration.StatusDeclined, map[string]string{"en": "Their message:\nThe room is full.", "fr": "Leur message\u00a0:\nThe room is full.", "es": "Su mensaje:\nThe room is full.", "ar": "رسالة المنظمين:\nThe room is full."}},
		{registration.MailPromotion, registration.StatusApproved, map[string]string{"en": "A place has become free", "fr": "Une place s’est libérée", "es": "Se ha liberado una plaza", "ar": "شغر مقعد"}},
		{registration.MailPromotion, registration.StatusPending, map[string]string{"en": "awaits the organizers’ approval", "fr": "attend maintenant l’accord", "es": "espera ahora la aprobación", "ar": "ينتظر تسجيلك"}},
		{registration.MailReminderDay, registration.StatusApproved, map[string]string{"en": "tomorrow", "fr": "demain", "es": "mañana", "ar": "غدًا"}},
		{registration.MailReminderHour, registration.StatusApproved, map[string]string{"en": "in one hour", "fr": "dans une heure", "es": "dentro de una hora", "ar": "بعد ساعة"}},
	}
	for _, tc := range tests {
		for _, lang := range []string{"ar", "en", "fr", "es"} {
			t.Run(string(tc.kind)+"/"+string(tc.status)+"/"+lang, func(t *testing.T) {
				r := registration.Registration{Name: "Amina", Email: "amina@example.org", Language: lang, Status: tc.status, Message: "The room is full."}
				m, err := registration.Compose(registration.Mail{Kind: tc.kind, Registration: r, Event: sideEvent, PageURL: page, Position: 7})
				if err != nil {
					t.Fatal(err)
				}
				title := sideEvent.Title[lang]
				when := registration.FormatWhen(sideEvent.Start, sideEvent.End, sideEvent.TimeZone, lang)
				for _, part := range []string{title, when, page, "Amina", tc.want[lang]} {
					if !strings.Contains(m.Body, part) {
						t.Errorf("body lacks %q:\n%s", part, m.Body)
					}
				}
				if !strings.Contains(m.Subject, title) || strings.ContainsAny(m.Subject, "\r\n") || m.To != r.Email || m.Language != lang {
					t.Errorf("message %+v", m)
				}
				if strings.ContainsAny(m.Subject+m.Body, "{}") {
					t.Errorf("a placeholder is left: %s\n%s", m.Subject, m.Body)
				}
			})
		}
	}
}

func TestComposeRefusals(t *testing.T) {
	t.Parallel()
	ok := registration.Registration{Name: "A", Email: "a@example.org", Language: "en", Status: registration.StatusDeclined}
	tests := []struct {
		name string
		mail registration.Mail
		want error
	}{
		{"no address", registration.Mail{Kind: registration.MailDecline, Registration: registration.Registration{Status: registration.StatusDeclined}}, registration.ErrNoAddress},
		{"a reminder to a declined registrant", registration.Mail{Kind: registration.MailReminderDay, Registration: ok}, registration.ErrState},
		{"an approval to a declined registrant", registration.Mail{Kind: registration.MailApproval, Registration: ok}, registration.ErrState},
		{"an unknown kind", registration.Mail{Kind: "spam", Registration: ok}, registration.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := registration.Compose(tc.mail)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A title with a line break never splits the subject (header injection).
	ev := sideEvent
	ev.Title = agenda.Text{"en": "Civic\r\nBcc: all@example.org"}
	ok.Status = registration.StatusApproved
	m, err := registration.Compose(registration.Mail{Kind: registration.MailApproval, Registration: ok, Event: ev})
	if err != nil || strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject %q, %v", m.Subject, err)
	}
}
