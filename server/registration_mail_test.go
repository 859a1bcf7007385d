package server_test

import (
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/server"
)

// smtpServer starts Debian's aiosmtpd on a free port, delivering into a
// maildir, and returns the relay URL and a function that waits for the
// nth message (1-based) and returns all received so far, oldest first.
func smtpServer(t *testing.T) (string, func(n int) []*mail.Message) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", addr, "-c", "aiosmtpd.handlers.Mailbox", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start aiosmtpd (install Debian's python3-aiosmtpd: sudo apt-get install python3-aiosmtpd): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatalf("aiosmtpd did not listen on %s (is python3-aiosmtpd installed? sudo apt-get install python3-aiosmtpd): %s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	wait := func(n int) []*mail.Message {
		t.Helper()
		for i := 0; i < 600; i++ {
			files, _ := filepath.Glob(filepath.Join(dir, "new", "*"))
			if len(files) >= n {
				type got struct {
					at  time.Time
					msg *mail.Message
				}
				var all []got
				for _, f := range files {
					fh, err := os.Open(f)
					if err != nil {
						t.Fatal(err)
					}
					m, err := mail.ReadMessage(fh)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(m.Body)
					fh.Close()
					m.Body = strings.NewReader(string(body))
					at, _ := m.Header.Date()
					st, _ := os.Stat(f)
					if st != nil {
						at = st.ModTime()
					}
					all = append(all, got{at, m})
				}
				sort.SliceStable(all, func(i, j int) bool { return all[i].at.Before(all[j].at) })
				out := make([]*mail.Message, len(all))
				for i, g := range all {
					out[i] = g.msg
				}
				return out
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no message %d arrived: %s", n, stderr.String())
		return nil
	}
	return "smtp://" + addr + "?tls=none&from=majlis@example.org", wait
}

// mailFixture serves with a mailer that relays to a real SMTP server, and
// returns smtpServer's wait for the nth message.
func mailFixture(t *testing.T) (*fixture, func(n int) []*mail.Message) {
	t.Helper()
	relay, received := smtpServer(t)
	mailer, err := registration.NewSMTP(relay)
	if err != nil {
		t.Fatal(err)
	}
	return serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", Mailer: mailer}, nil), received
}

var personalLink = regexp.MustCompile(`https://majlis\.example\.org/r/mjr_[A-Za-z0-9]+`)

// readMail returns a message's decoded subject, body and personal link.
func readMail(t *testing.T, m *mail.Message) (subject, body, link string) {
	t.Helper()
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(m.Body)
	body = string(raw)
	if m.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
		body = decodeQP(t, raw)
	}
	return subject, body, personalLink.FindString(strings.ReplaceAll(body, "=\r\n", ""))
}

func decodeQP(t *testing.T, raw []byte) string {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", "-c", "import quopri,sys; sys.stdout.buffer.write(quopri.decodestring(sys.stdin.buffer.read()))")
	cmd.Stdin = strings.NewReader(string(raw))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestRegistrationMail: with --smtp, a registrant gets their confirmation
// in their language from a real SMTP server, with the link to their page;
// registering a taken address answers exactly like a new registration,
// and mails the address's owner their own page instead.
func TestRegistrationMail(t *testing.T) {
	f, received := mailFixture(t)
	id := f.webinar()
	f.setForm(id, "automatic", 0)

	r1, rc1 := f.registerAs(id, "Samira", "samira@example.org", "ar")
	r2, rc2 := f.registerAs(id, "Someone else", "Samira@example.org", "fr")
	if r1.status != http.StatusCreated || r2.status != r1.status || string(r1.body) != string(r2.body) || !rc1.Mailed || rc1.Token != "" || rc2.Token != "" {
		t.Fatalf("a taken address is told apart:\n%d %s\n%d %s", r1.status, r1.body, r2.status, r2.body)
	}
	msgs := received(2)
	var links []string
	for i, m := range msgs {
		subject, body, link := readMail(t, m)
		if to := m.Header.Get("To"); !strings.Contains(to, "samira@example.org") {
			t.Fatalf("mail %d to %q", i, to)
		}
		if lang := m.Header.Get("Content-Language"); lang != "ar" {
			t.Fatalf("mail %d in %q, want the registrant's ar (the second registrant asked for fr)", i, lang)
		}
		if !strings.Contains(subject, "الفضاء المدني") || !strings.Contains(body, "عزيزي") && !strings.Contains(body, "Samira") {
			t.Fatalf("mail %d: %q\n%s", i, subject, body)
		}
		if link == "" {
			t.Fatalf("mail %d has no personal link:\n%s", i, body)
		}
		links = append(links, link)
	}
	if links[0] == links[1] {
		t.Fatal("the second mail repeats the first link")
	}
	for _, link := range links {
		page := f.do(req{method: "GET", path: strings.TrimPrefix(link, "https://majlis.example.org")})
		if page.status != http.StatusOK || !strings.Contains(string(page.body), "Samira") {
			t.Fatalf("%s: %d", link, page.status)
		}
	}
	if list := f.listRegs(id, ""); len(list) != 1 {
		t.Fatalf("%d registrations stored for one address", len(list))
	}
}

// TestRegistrationDecisionMails: through a real SMTP server, an
// organizer's approval, their decline with its message, and the waitlist
// promotions that a decline and a cancellation make reach each registrant
// in the registrant's own language, with a working link to their page.
func TestRegistrationDecisionMails(t *testing.T) {
	f, received := mailFixture(t)
	id := f.webinar()
	f.setForm(id, "manual", 1) // one place, decided by hand
	f.registerAs(id, "Amélie", "amelie@example.org", "fr")
	f.registerAs(id, "Beatriz", "beatriz@example.org", "es")
	f.registerAs(id, "Karim", "karim@example.org", "ar")
	received(3) // the confirmations
	regs := map[string]string{}
	for _, r := range f.listRegs(id, "") {
		regs[r.Name] = r.ID
	}
	if r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations/" + regs["Amélie"] + "/approve", token: f.alice}); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	received(4)
	const message = "Nous avons dû réduire la salle : désolés."
	if r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations/" + regs["Amélie"] + "/decline", token: f.alice,
		body: `{"message":"` + message + `"}`}); r.status != http.StatusOK {
		t.Fatalf("decline: %d %s", r.status, r.body)
	}
	// The decline freed the place: Beatriz, first on the waitlist, is
	// promoted (to pending, approval being manual), and told.
	msgs := received(6)
	beatrizLink := ""
	for _, m := range msgs {
		if _, _, link := readMail(t, m); strings.Contains(m.Header.Get("To"), "beatriz@") && link != "" {
			beatrizLink = link // any of her links opens her page
		}
	}
	// Beatriz cancels from her page: Karim is promoted, and told.
	if r := f.do(req{method: "POST", path: strings.TrimPrefix(beatrizLink, "https://majlis.example.org") + "/cancel"}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	msgs = received(7)
	tests := []struct {
		name, to, lang, subject string
		body                    []string
	}{
		{"approval", "amelie@", "fr", "Inscription acceptée\u00a0: Espace civique", []string{"ont accepté votre inscription"}},
		{"decline with the organizer's message", "amelie@", "fr", "Inscription non retenue\u00a0: Espace civique", []string{"Leur message", message}},
		{"promotion after a decline", "beatriz@", "es", "Fuera de la lista de espera: Espacio cívico", []string{"Beatriz"}},
		{"promotion after a cancellation", "karim@", "ar", "خرجتَ من قائمة الانتظار: الفضاء المدني", []string{"Karim"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range msgs {
				subject, body, link := readMail(t, m)
				if !strings.Contains(m.Header.Get("To"), tc.to) || subject != tc.subject {
					continue
				}
				if lang := m.Header.Get("Content-Language"); lang != tc.lang {
					t.Fatalf("in %q, want %s", lang, tc.lang)
				}
				for _, want := range tc.body {
					if !strings.Contains(body, want) {
						t.Fatalf("the body lacks %q:\n%s", want, body)
					}
				}
				if link == "" {
					t.Fatalf("no link to the registrant's page:\n%s", body)
				}
				// Beatriz's link worked: she cancelled with it above.
				if page := f.do(req{method: "GET", path: strings.TrimPrefix(link, "https://majlis.example.org")}); tc.to != "beatriz@" && page.status != http.StatusOK {
					t.Fatalf("the link %q answers %d", link, page.status)
				}
				return
			}
			var got []string
			for _, m := range msgs {
				subject, _, _ := readMail(t, m)
				got = append(got, m.Header.Get("To")+" "+subject)
			}
			t.Fatalf("no mail to %s with subject %q among:\n%s", tc.to, tc.subject, strings.Join(got, "\n"))
		})
	}
}
