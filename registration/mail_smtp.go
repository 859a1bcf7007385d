package registration

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP is the Mailer that sends through a relay, with
// github.com/wneessen/go-mail. It opens one connection per message (mails
// are few: confirmations, decisions, reminders) and holds no state
// between calls, so it is goroutine-safe.
type SMTP struct {
	host string
	from string
	opts []gomail.Option
}

// smtpTimeout bounds one conversation with the relay.
const smtpTimeout = 30 * time.Second

// NewSMTP reads a relay URL:
//
//	smtp://[user:password@]host[:port]?from=ADDRESS    STARTTLS required (port 587)
//	smtps://[user:password@]host[:port]?from=ADDRESS   TLS from the start (port 465)
//
// with tls=none in the query to speak plain SMTP (a relay on the same
// host only: passwords and registrants' addresses would cross the network
// in clear). from is the sender's bare address (required). User and
// password, when given, authenticate with PLAIN (over TLS).
func NewSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("registration: smtp URL: %w", err)
	}
	q := u.Query()
	for k := range q {
		if k != "from" && k != "tls" {
			return nil, fmt.Errorf("registration: smtp URL: unknown parameter %q (known: from, tls)", k)
		}
	}
	from, why := checkEmail(q.Get("from"))
	if why != "" {
		return nil, fmt.Errorf("registration: smtp URL: from: %s", why)
	}
	if u.Hostname() == "" {
		return nil, errors.New("registration: smtp URL: no host")
	}
	s := &SMTP{host: u.Hostname(), from: from, opts: []gomail.Option{gomail.WithTimeout(smtpTimeout)}}
	port := 587
	switch {
	case u.Scheme == "smtps":
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	case u.Scheme != "smtp":
		return nil, fmt.Errorf("registration: smtp URL: scheme %q (want smtp or smtps)", u.Scheme)
	case q.Get("tls") == "none":
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case q.Get("tls") == "":
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		return nil, fmt.Errorf("registration: smtp URL: tls=%q (leave it out, or none)", q.Get("tls"))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("registration: smtp URL: port %q", p)
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port))
	if u.User != nil {
		pw, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pw))
	}
	return s, nil
}

// Send implements Mailer: one plain-text UTF-8 message with its
// Content-Language.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("registration: mail from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("registration: mail to: %w", err)
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetGenHeader(gomail.HeaderContentLang, m.Language)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("registration: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("registration: send mail: %w", err)
	}
	return nil
}
