package registration

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Config tunes a Service.
type Config struct {
	// Languages accepted for labels and registrants.
	// Default: agenda.Languages (ar, en, fr, es).
	Languages []string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// SameEmailTwice lets one address register more than once for an
	// event (no ErrDuplicate). A server that cannot mail the address's
	// owner sets it: refusing a taken address would tell anyone who tries
	// it that its owner registered. Default false.
	SameEmailTwice bool
}

// Service runs the registrations of events on top of a Store.
//
// Its methods are goroutine-safe as far as the Store's are. The capacity
// check and the write are one atomic Store step, so concurrent
// registrations on any number of instances never exceed the capacity;
// status changes are conditional Store steps that promote from the
// waitlist in the same step.
type Service struct {
	cfg   Config
	store Store
}

// New returns a Service over store.
func New(cfg Config, store Store) *Service {
	if len(cfg.Languages) == 0 {
		cfg.Languages = slices.Clone(agenda.Languages)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg, store: store}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// PutForm creates (ifVersion 0) or replaces the form of event ev, copying
// the event's ID, times and time zone into it. When the capacity grows,
// waitlisted registrants are promoted first come first served; they are
// returned (to be told, see Compose).
func (s *Service) PutForm(ctx context.Context, ev agenda.Event, f Form, ifVersion int64) (Form, []Registration, error) {
	f.Event, f.Start, f.End, f.TimeZone = ev.ID, ev.Start, ev.End, ev.TimeZone
	f = f.withDefaults()
	if err := f.Validate(s.cfg.Languages); err != nil {
		return Form{}, nil, err
	}
	f.Updated = s.now()
	out, err := s.store.PutForm(ctx, f, ifVersion)
	if err != nil {
		return Form{}, nil, err
	}
	promoted, err := s.store.FillWaitlist(ctx, out.Event, s.fill(out))
	return out, promoted, err
}

// Form returns an event's form.
func (s *Service) Form(ctx context.Context, event string) (Form, error) {
	return s.store.GetForm(ctx, event)
}

func (s *Service) fill(f Form) Fill {
	return Fill{Capacity: f.Capacity, Placed: f.Placed(), At: s.now()}
}

// Receipt is what a registrant gets back once: the personal-link token
// (never stored; only its hash is) and the waitlist position (0 when
// they have a place).
type Receipt struct {
	Token    string
	Position int
}

// Register validates req against the event's form and records it: a
// place if one is free (approved, or pending under manual approval),
// else the waitlist. Refusals (closed, deadline, duplicate address,
// invalid answers) store nothing.
func (s *Service) Register(ctx context.Context, event string, req Request) (Registration, Receipt, error) {
	f, err := s.store.GetForm(ctx, event)
	if err != nil {
		return Registration{}, Receipt{}, err
	}
	if !f.Open {
		return Registration{}, Receipt{}, fmt.Errorf("%w: event %s", ErrClosed, event)
	}
	now := s.now()
	if !now.Before(f.Closes()) {
		return Registration{}, Receipt{}, fmt.Errorf("%w: closed at %s", ErrDeadline, f.Closes().Format(time.RFC3339))
	}
	req, err = req.check(f, s.cfg.Languages)
	if err != nil {
		return Registration{}, Receipt{}, err
	}
	token, hash := NewToken()
	r := Registration{
		ID: newID(), Event: event, Name: req.Name, Pseudonym: req.Pseudonym, Email: req.Email,
		Language: req.Language, Answers: req.Answers, FormVersion: f.Version,
		EmailKey: s.emailKey(event, req.Email), TokenHashes: []string{hash}, Created: now,
	}
	fill := s.fill(f)
	fill.At = now
	out, pos, err := s.store.Register(ctx, r, fill)
	if err != nil {
		return Registration{}, Receipt{}, err
	}
	return out, Receipt{Token: token, Position: pos}, nil
}

// emailKey is the duplicate rule's key of an address, or "" when the
// service lets an address register twice.
func (s *Service) emailKey(event, email string) string {
	if s.cfg.SameEmailTwice {
		return ""
	}
	return emailKey(event, email)
}

// Page is what a registrant's personal page shows.
type Page struct {
	Registration Registration
	Form         Form
	// Position on the waitlist (1 for the next to be promoted); 0 when
	// not waitlisted.
	Position int
	// CanJoin: the join link works (approved, and the event has not ended).
	CanJoin bool
}

// byToken resolves a personal link; forged, malformed and forgotten
// tokens are ErrForgedToken, a cancelled registration ErrCancelled.
func (s *Service) byToken(ctx context.Context, token string) (Registration, error) {
	if !wellFormed(token) {
		return Registration{}, ErrForgedToken
	}
	r, err := s.store.RegistrationByToken(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) {
		return Registration{}, ErrForgedToken
	}
	if err != nil {
		return Registration{}, err
	}
	if r.Status == StatusCancelled {
		return Registration{}, ErrCancelled
	}
	return r, nil
}

// PageOf returns the personal page behind a token.
func (s *Service) PageOf(ctx context.Context, token string) (Page, error) {
	r, err := s.byToken(ctx, token)
	if err != nil {
		return Page{}, err
	}
	f, err := s.store.GetForm(ctx, r.Event)
	if err != nil {
		return Page{}, err
	}
	pg := Page{Registration: r, Form: f, CanJoin: CanJoin(r, f, s.now())}
	if r.Status == StatusWaitlisted {
		pg.Position, err = s.position(ctx, r)
	}
	return pg, err
}

// CanJoin reports whether r's join link works at now: approved, and the
// event has not ended.
func CanJoin(r Registration, f Form, now time.Time) bool {
	return r.Status == StatusApproved && now.Before(f.End)
}

func (s *Service) position(ctx context.Context, r Registration) (int, error) {
	list, err := s.store.ListRegistrations(ctx, r.Event)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range list {
		if x.Status == StatusWaitlisted && x.Seq <= r.Seq {
			n++
		}
	}
	return n, nil
}

// Cancel cancels the registration behind token (the registrant's cancel
// button) and promotes the next waitlisted registrant if a place freed.
// The link stops working (ErrCancelled).
func (s *Service) Cancel(ctx context.Context, token string) (Registration, []Registration, error) {
	r, err := s.byToken(ctx, token)
	if err != nil {
		return Registration{}, nil, err
	}
	return s.change(ctx, r.Event, r.ID, StatusCancelled, "", StatusPending, StatusApproved, StatusWaitlisted)
}

// Approve approves a pending registration.
func (s *Service) Approve(ctx context.Context, event, id string) (Registration, error) {
	r, _, err := s.change(ctx, event, id, StatusApproved, "", StatusPending)
	return r, err
}

// Decline declines a pending, approved or waitlisted registration with a
// message to the registrant, and promotes the next waitlisted registrant
// if a place freed.
func (s *Service) Decline(ctx context.Context, event, id, message string) (Registration, []Registration, error) {
	message = strings.TrimSpace(message)
	if why := textProblem(message, MaxMessageRunes, true); why != "" {
		return Registration{}, nil, (problems{"message": why}).err()
	}
	return s.change(ctx, event, id, StatusDeclined, message, StatusPending, StatusApproved, StatusWaitlisted)
}

func (s *Service) change(ctx context.Context, event, id string, to Status, msg string, from ...Status) (Registration, []Registration, error) {
	f, err := s.store.GetForm(ctx, event)
	if err != nil {
		return Registration{}, nil, err
	}
	return s.store.ChangeRegistration(ctx, Change{Event: event, ID: id, From: from, To: to, Message: msg, Fill: s.fill(f)})
}

// IssueLink returns a fresh personal link token for a registration, for
// a mail after the confirmation (the first token is known only at
// Register). Older links keep working, up to MaxTokens.
func (s *Service) IssueLink(ctx context.Context, event, id string) (string, error) {
	token, hash := NewToken()
	if err := s.store.AddToken(ctx, event, id, hash, MaxTokens); err != nil {
		return "", err
	}
	return token, nil
}

// Filter selects registrations in List.
type Filter struct {
	// Statuses keeps only these statuses; empty keeps all.
	Statuses []Status
	// Query keeps registrations whose name or email contains it (case
	// insensitive); at most 200 characters.
	Query string
}

// List returns an event's registrations in arrival order, filtered.
func (s *Service) List(ctx context.Context, event string, fl Filter) ([]Registration, error) {
	if utf8Len(fl.Query) > 200 {
		return nil, (problems{"q": "at most 200 characters"}).err()
	}
	for _, st := range fl.Statuses {
		if !slices.Contains(Statuses, st) {
			return nil, (problems{"status": fmt.Sprintf("unknown status %q", st)}).err()
		}
	}
	list, err := s.store.ListRegistrations(ctx, event)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(fl.Query))
	out := list[:0]
	for _, r := range list {
		if len(fl.Statuses) > 0 && !slices.Contains(fl.Statuses, r.Status) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(strings.ToLower(r.Email), q) {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func utf8Len(s string) int { return len([]rune(s)) }

// Forget deletes one person's registration on request, leaving nothing of
// it in the store. If it held a place and the event has not ended, the
// next waitlisted registrant is promoted.
func (s *Service) Forget(ctx context.Context, event, id string) ([]Registration, error) {
	f, err := s.store.GetForm(ctx, event)
	if err != nil {
		return nil, err
	}
	fill := s.fill(f)
	if !fill.At.Before(f.End) {
		fill = Fill{}
	}
	return s.store.ForgetRegistration(ctx, event, id, fill)
}

// Purged is what one Purge run deleted.
type Purged struct {
	// Events are the events whose registrations were deleted, by ID.
	Events []string
	// Registrations is how many registrations were deleted.
	Registrations int
}

// Purge deletes the registrations of every event that ended more than
// its retention days before now. It is idempotent; run it daily.
func (s *Service) Purge(ctx context.Context, now time.Time) (Purged, error) {
	forms, err := s.store.ListForms(ctx)
	if err != nil {
		return Purged{}, err
	}
	var out Purged
	for _, f := range forms {
		if f.End.IsZero() || now.Before(f.PurgeAfter()) {
			continue
		}
		n, err := s.store.PurgeRegistrations(ctx, f.Event)
		if err != nil {
			return out, err
		}
		if n > 0 {
			out.Events = append(out.Events, f.Event)
			out.Registrations += n
		}
	}
	return out, nil
}
