package ballot

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
)

// Registry lists the member institutions an assembly's roll is made of.
type Registry interface {
	ListInstitutions(ctx context.Context) ([]institution.Institution, error)
}

// Events finds an assembly's event: its roll takes each member's
// accreditation as of the day the assembly meets.
type Events interface {
	GetEvent(ctx context.Context, id string) (agenda.Event, error)
}

// Config tunes a Service.
type Config struct {
	// Languages accepted for titles, texts and candidate names.
	// Default: agenda.Languages (ar, en, fr, es).
	Languages []string
	// Registry is where EnsureRoll finds an assembly's members when it
	// has no roll yet. Default nil: rolls are made with PutRoll only.
	Registry Registry
	// Events gives the day an assembly meets (its start, in its zone),
	// whose accreditation its roll takes. Default nil: the accreditation
	// as of the day the roll is made.
	Events Events
	// Rand is the source of receipt codes (reads are serialised by the
	// Service, so a seeded test source will do). Default: crypto/rand.Reader.
	Rand io.Reader
}

// Service runs the ballots of general assemblies on top of a Store.
//
// Its methods are goroutine-safe as far as the Store's are. Concurrent
// casts for one institution are serialised by the Store's atomic
// CastSecret/CastNamed; a cast racing the close either lands before it
// (and is counted) or fails with ErrClosed (the close bumps the version).
type Service struct {
	cfg   Config
	store Store
}

// New returns a Service over store.
func New(cfg Config, store Store) *Service {
	if len(cfg.Languages) == 0 {
		cfg.Languages = slices.Clone(agenda.Languages)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	} else {
		cfg.Rand = &lockedReader{r: cfg.Rand}
	}
	return &Service{cfg: cfg, store: store}
}

// lockedReader serialises reads from a reader that may not be
// goroutine-safe.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

// Read reads from the wrapped reader under the lock.
func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// rollRetries bounds the re-reads of a roll edited concurrently.
const rollRetries = 8

// Roll returns an assembly's roll.
func (s *Service) Roll(ctx context.Context, event string) (Roll, error) {
	return s.store.GetRoll(ctx, event)
}

// EnsureRoll returns an assembly's roll, making it from the registry
// (every institution, its accreditation as of the assembly's day, nobody
// present) when there is none yet. Without a Registry it is Roll.
func (s *Service) EnsureRoll(ctx context.Context, event string) (Roll, error) {
	r, err := s.store.GetRoll(ctx, event)
	if !errors.Is(err, ErrNotFound) || s.cfg.Registry == nil {
		return r, err
	}
	ins, day, err := s.registryOn(ctx, event)
	if err != nil {
		return Roll{}, err
	}
	r, err = s.PutRoll(ctx, NewRollOn(event, ins, day), 0)
	if errors.Is(err, ErrConflict) { // made meanwhile
		return s.store.GetRoll(ctx, event)
	}
	return r, err
}

// registryOn lists the registry and the day whose accreditation the roll
// of event takes ("" without Events, or for an event with no start).
func (s *Service) registryOn(ctx context.Context, event string) ([]institution.Institution, string, error) {
	ins, err := s.cfg.Registry.ListInstitutions(ctx)
	if err != nil || s.cfg.Events == nil {
		return ins, "", err
	}
	e, err := s.cfg.Events.GetEvent(ctx, event)
	if err != nil {
		return nil, "", fmt.Errorf("ballot: the day of assembly %s: %w", event, err)
	}
	if e.Start.IsZero() {
		return ins, "", nil
	}
	return ins, e.Start.In(e.Zone()).Format(time.DateOnly), nil
}

// frozen reports whether a ballot of the assembly has opened: from then
// on its roll is the assembly's record, which the registry no longer
// changes.
func (s *Service) frozen(ctx context.Context, event string) (bool, error) {
	bs, err := s.store.ListBallots(ctx, event)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(bs, func(b Ballot) bool { return b.State != StateDraft }), nil
}

// SyncRoll takes the registry's changes into an assembly's roll until its
// first ballot opens: the members, their accreditation as of the
// assembly's day, the people who may act for them (those added by
// invitation are kept), presence and proxies still valid. Once a ballot
// has opened it changes nothing and returns the roll as it is: a later
// accreditation decision, a new or a removed institution rewrites no
// ballot of that assembly, closed or to come. Without a Registry it is
// Roll.
func (s *Service) SyncRoll(ctx context.Context, event string) (Roll, error) {
	r, err := s.EnsureRoll(ctx, event)
	if err != nil || s.cfg.Registry == nil {
		return r, err
	}
	if frozen, err := s.frozen(ctx, event); err != nil || frozen {
		return r, err
	}
	ins, day, err := s.registryOn(ctx, event)
	if err != nil {
		return Roll{}, err
	}
	fresh := NewRollOn(event, ins, day)
	return s.editRoll(ctx, event, func(old *Roll) error {
		next := fresh
		next.Members = slices.Clone(fresh.Members)
		next.ProxyCap, next.KeepProxies, next.Calling, next.Version = old.ProxyCap, old.KeepProxies, old.Calling, old.Version
		for i := range next.Members {
			m := &next.Members[i]
			if was, ok := old.Member(m.Institution); ok {
				for _, d := range was.Delegates {
					if !slices.Contains(m.Delegates, d) && len(m.Delegates) < institution.MaxDelegates {
						m.Delegates = append(m.Delegates, d)
					}
				}
			}
		}
		next.Present = []string{}
		for _, id := range old.Present {
			if _, ok := next.Member(id); ok {
				next.Present = append(next.Present, id)
			}
		}
		next.Proxies = []Proxy{}
		for _, p := range old.Proxies {
			_ = next.GrantProxy(p.From, p.To) // one no longer valid ends
		}
		*old = next
		return nil
	})
}

// AddDelegate lets the person ref act for inst in the assembly (a
// delegate or an alternate: either casts the institution's one ballot).
// An institution that joined the registry after the roll was made joins
// the roll too, until the first ballot opens (SyncRoll).
func (s *Service) AddDelegate(ctx context.Context, event, inst, ref string) (Roll, error) {
	if _, err := s.EnsureRoll(ctx, event); err != nil {
		return Roll{}, err
	}
	var joining *Member
	if r, err := s.store.GetRoll(ctx, event); err == nil && s.cfg.Registry != nil {
		if _, ok := r.Member(inst); !ok { // in the registry since the roll was made?
			frozen, err := s.frozen(ctx, event)
			if err != nil {
				return Roll{}, err
			}
			ins, day, err := s.registryOn(ctx, event)
			if err != nil {
				return Roll{}, err
			}
			for _, m := range NewRollOn(event, ins, day).Members {
				if m.Institution == inst && !frozen {
					joining = &Member{Institution: m.Institution, Status: m.Status, Delegates: []string{}}
				}
			}
		}
	}
	return s.editRoll(ctx, event, func(r *Roll) error {
		if _, ok := r.Member(inst); !ok && joining != nil {
			i, _ := slices.BinarySearchFunc(r.Members, inst, func(m Member, id string) int { return strings.Compare(m.Institution, id) })
			r.Members = slices.Insert(r.Members, i, *joining)
		}
		return r.AddDelegate(inst, ref)
	})
}

// PutRoll creates (ifVersion 0) or replaces an assembly's roll.
func (s *Service) PutRoll(ctx context.Context, r Roll, ifVersion int64) (Roll, error) {
	if err := r.validate(); err != nil {
		return Roll{}, err
	}
	return s.store.PutRoll(ctx, r, ifVersion)
}

// editRoll applies f to the stored roll, re-reading on version conflicts
// (roll-call marks are independent of each other).
func (s *Service) editRoll(ctx context.Context, event string, f func(*Roll) error) (Roll, error) {
	for i := 0; ; i++ {
		r, err := s.store.GetRoll(ctx, event)
		if err != nil {
			return Roll{}, err
		}
		if err := f(&r); err != nil {
			return Roll{}, err
		}
		out, err := s.store.PutRoll(ctx, r, r.Version)
		if errors.Is(err, ErrConflict) && i < rollRetries {
			continue
		}
		return out, err
	}
}

// MarkPresent marks an institution present or absent (a roll-call answer,
// or the host's mark). Marking the giver of a proxy present ends the proxy
// unless the roll keeps proxies.
func (s *Service) MarkPresent(ctx context.Context, event, inst string, present bool) (Roll, error) {
	return s.editRoll(ctx, event, func(r *Roll) error { return r.SetPresent(inst, present) })
}

// Calling opens or closes the roll call.
func (s *Service) Calling(ctx context.Context, event string, open bool) (Roll, error) {
	return s.editRoll(ctx, event, func(r *Roll) error { r.Calling = open; return nil })
}

// GrantProxy records that from gives its vote to to for the assembly.
func (s *Service) GrantProxy(ctx context.Context, event, from, to string) (Roll, error) {
	return s.editRoll(ctx, event, func(r *Roll) error { return r.GrantProxy(from, to) })
}

// SetProxyRules sets the assembly's cap on proxies per holder (0: the
// default) and whether a proxy outlives its giver's return (Roll.SetProxyRules).
func (s *Service) SetProxyRules(ctx context.Context, event string, cap int, keep bool) (Roll, error) {
	return s.editRoll(ctx, event, func(r *Roll) error { return r.SetProxyRules(cap, keep) })
}

// RevokeProxy ends from's proxy.
func (s *Service) RevokeProxy(ctx context.Context, event, from string) (Roll, error) {
	return s.editRoll(ctx, event, func(r *Roll) error { r.RevokeProxy(from); return nil })
}

// Prepare validates and stores a new draft ballot, its rules made
// explicit (defaults filled) so that voters see exactly what applies.
func (s *Service) Prepare(ctx context.Context, b Ballot) (Ballot, error) {
	b.State, b.Opening, b.Verdict = StateDraft, nil, nil
	b.Rules = b.Rules.withDefaults(b.Kind)
	if err := b.Validate(s.cfg.Languages); err != nil {
		return Ballot{}, err
	}
	return s.store.PutBallot(ctx, b, 0)
}

// Edit replaces a draft ballot's definition if its version is ifVersion.
func (s *Service) Edit(ctx context.Context, b Ballot, ifVersion int64) (Ballot, error) {
	old, err := s.store.GetBallot(ctx, b.ID)
	if err != nil {
		return Ballot{}, err
	}
	if old.State != StateDraft {
		return Ballot{}, fmt.Errorf("%w: ballot %s is %s; only a draft changes", ErrState, b.ID, old.State)
	}
	b.State, b.Opening, b.Verdict = StateDraft, nil, nil
	b.Rules = b.Rules.withDefaults(b.Kind)
	if err := b.Validate(s.cfg.Languages); err != nil {
		return Ballot{}, err
	}
	return s.store.PutBallot(ctx, b, ifVersion)
}

// Get returns a ballot.
func (s *Service) Get(ctx context.Context, id string) (Ballot, error) {
	return s.store.GetBallot(ctx, id)
}

// List returns an assembly's ballots ordered by ID.
func (s *Service) List(ctx context.Context, event string) ([]Ballot, error) {
	return s.store.ListBallots(ctx, event)
}

// Open opens a draft ballot if the quorum is met (ErrNoQuorum otherwise,
// nothing changed); the count is kept in Ballot.Opening.
func (s *Service) Open(ctx context.Context, id string) (Ballot, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Ballot{}, err
	}
	if b.State != StateDraft {
		return Ballot{}, fmt.Errorf("%w: ballot %s is %s", ErrState, id, b.State)
	}
	r, err := s.store.GetRoll(ctx, b.Event)
	if err != nil {
		return Ballot{}, err
	}
	q := r.Count(b.Rules.Quorum)
	if !q.Met {
		return Ballot{}, fmt.Errorf("%w: %d of %d A-status members counted, %d needed", ErrNoQuorum, q.Counted, q.Members, q.Needed)
	}
	b.State, b.Opening = StateOpen, &q
	return s.store.PutBallot(ctx, b, b.Version)
}

// Cast records person's ballot paper for institution inst. The person
// must be a delegate (or alternate) of inst, or of the present holder of
// its proxy; inst must have A status; one ballot per institution (a named
// vote may be replaced until the close, a secret one may not). Refusals
// record nothing. For a secret ballot the Receipt's Code is the only
// handle on the paper: give it to the voter and forget it.
//
// On ErrUnavailable it is unknown whether the paper was recorded: Turnout
// and the store's voters tell whether the institution is listed. If it
// is, its receipt code is lost with the failed reply — by design nothing
// maps an institution to its receipt — but the paper counts.
func (s *Service) Cast(ctx context.Context, id, person, inst string, c Choice) (Receipt, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	if b.State != StateOpen {
		return Receipt{}, fmt.Errorf("%w: ballot %s is %s", ErrClosed, id, b.State)
	}
	if err := b.check(c); err != nil {
		return Receipt{}, err
	}
	r, err := s.store.GetRoll(ctx, b.Event)
	if err != nil {
		return Receipt{}, err
	}
	via, err := r.Authorize(person, inst)
	if err != nil {
		return Receipt{}, err
	}
	c = c.canonical()
	rc := Receipt{Ballot: id, Institution: inst, Via: via, Choice: c}
	if b.Secret {
		if rc.Code, err = newReceipt(s.cfg.Rand); err != nil {
			return Receipt{}, err
		}
		err = s.store.CastSecret(ctx, id, b.Version, inst, Paper{Receipt: rc.Code, Choice: c})
	} else {
		err = s.store.CastNamed(ctx, id, b.Version, Vote{Institution: inst, Via: via, Choice: c})
	}
	if errors.Is(err, ErrConflict) {
		return Receipt{}, fmt.Errorf("%w: ballot %s closed while you voted", ErrClosed, id)
	}
	if err != nil {
		return Receipt{}, err
	}
	return rc, nil
}

// Turnout counts who voted, for the room while a ballot is open.
func (s *Service) Turnout(ctx context.Context, id string) (Turnout, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Turnout{}, err
	}
	r, err := s.store.GetRoll(ctx, b.Event)
	if err != nil {
		return Turnout{}, err
	}
	v, err := s.store.Voters(ctx, id)
	if err != nil {
		return Turnout{}, err
	}
	return Turnout{Ballot: id, Voted: len(v), Eligible: len(r.Eligible())}, nil
}

// NamedVotes returns a named ballot's votes so far, sorted by institution:
// a named ballot publishes each institution's vote as it is cast (and
// changed, until the close). A secret ballot has none to show
// (ErrState): only its turnout is public while it is open.
func (s *Service) NamedVotes(ctx context.Context, id string) ([]Vote, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Secret {
		return nil, fmt.Errorf("%w: ballot %s is secret; only its turnout is public", ErrState, id)
	}
	return s.store.Votes(ctx, id)
}

// Voted returns which of insts have voted in a ballot: a delegate may
// know that about its own institutions (the voters are published at the
// close anyway).
func (s *Service) Voted(ctx context.Context, id string, insts []string) ([]string, error) {
	v, err := s.store.Voters(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, in := range insts {
		if slices.Contains(v, in) {
			out = append(out, in)
		}
	}
	return out, nil
}

// Close closes an open ballot and records its verdict, computed from the
// papers (or named votes) and the quorum counted on the roll at the close.
// Closing a ballot closed but not yet counted (a close interrupted by a
// store failure) finishes the count.
func (s *Service) Close(ctx context.Context, id string) (Ballot, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Ballot{}, err
	}
	switch {
	case b.State == StateOpen:
		b.State = StateClosed
		if b, err = s.store.PutBallot(ctx, b, b.Version); err != nil {
			return Ballot{}, err
		}
	case b.State == StateClosed && b.Verdict == nil:
	default:
		return Ballot{}, fmt.Errorf("%w: ballot %s is %s", ErrState, id, b.State)
	}
	// From here no cast can land: every cast is conditional on the
	// version the ballot had while open.
	r, err := s.store.GetRoll(ctx, b.Event)
	if err != nil {
		return Ballot{}, err
	}
	papers, err := s.choices(ctx, b)
	if err != nil {
		return Ballot{}, err
	}
	v := Decide(b, r.Count(b.Rules.Quorum), papers)
	b.Verdict = &v
	return s.store.PutBallot(ctx, b, b.Version)
}

func (s *Service) choices(ctx context.Context, b Ballot) ([]Choice, error) {
	var out []Choice
	if b.Secret {
		ps, err := s.store.Papers(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, p.Choice)
		}
		return out, nil
	}
	vs, err := s.store.Votes(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		out = append(out, v.Choice)
	}
	return out, nil
}

// Results returns a closed ballot's public record.
func (s *Service) Results(ctx context.Context, id string) (Results, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Results{}, err
	}
	if b.State != StateClosed || b.Verdict == nil {
		return Results{}, fmt.Errorf("%w: ballot %s", ErrNotClosed, id)
	}
	res := Results{Ballot: b}
	if res.Voters, err = s.store.Voters(ctx, id); err != nil {
		return Results{}, err
	}
	if b.Secret {
		res.Papers, err = s.store.Papers(ctx, id)
	} else {
		res.Votes, err = s.store.Votes(ctx, id)
	}
	if err != nil {
		return Results{}, err
	}
	return res, nil
}

// Verify finds the paper with receipt code in a closed secret ballot:
// ErrForgedReceipt when no paper has it (or it cannot be a receipt).
func (s *Service) Verify(ctx context.Context, id, code string) (Paper, error) {
	b, err := s.store.GetBallot(ctx, id)
	if err != nil {
		return Paper{}, err
	}
	if !b.Secret {
		return Paper{}, fmt.Errorf("%w: ballot %s is named; its votes are published by institution", ErrForgedReceipt, id)
	}
	if b.State != StateClosed {
		return Paper{}, fmt.Errorf("%w: ballot %s", ErrNotClosed, id)
	}
	code, ok := NormalizeReceipt(code)
	if !ok {
		return Paper{}, fmt.Errorf("%w: not a receipt code", ErrForgedReceipt)
	}
	ps, err := s.store.Papers(ctx, id)
	if err != nil {
		return Paper{}, err
	}
	i, found := slices.BinarySearchFunc(ps, code, func(p Paper, c string) int {
		switch {
		case p.Receipt < c:
			return -1
		case p.Receipt > c:
			return 1
		}
		return 0
	})
	if !found {
		return Paper{}, ErrForgedReceipt
	}
	return ps[i], nil
}
