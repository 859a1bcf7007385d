package realtime

import (
	"context"
	"errors"
	"slices"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// The general assembly in the room (issue 15): the roll (roll call,
// presence, proxies, the quorum indicator) and ballots (prepare, open,
// cast, close). The truth lives in the ballot store (ballot.Service), not
// in the room's state: every instance reads it there, so two delegates of
// one institution casting on two instances give one ballot (the store's
// atomic cast decides). Room messages announce changes.
//
// Secret ballots: a cast publishes nothing to the room log. The caster
// alone receives its receipt (MsgReceipt, straight to its connection);
// the room receives an ephemeral turnout count (MsgTurnout) with no
// author, no institution and no choice. Nothing about a cast is logged.

// Assembly commands and messages.
const (
	CmdAssemblyGet   MsgType = "assembly.get"   // the assembly as you may see it, to you only
	CmdRollCall      MsgType = "roll.call"      // a host opens or closes the roll call
	CmdRollMark      MsgType = "roll.mark"      // mark an institution present or absent
	CmdProxyGrant    MsgType = "proxy.grant"    // a host records that one institution gives its vote to another
	CmdProxyRevoke   MsgType = "proxy.revoke"   // a host ends a proxy
	CmdProxyRules    MsgType = "proxy.rules"    // a host sets the cap on proxies per holder and whether they outlive their giver's return
	CmdBallotPrepare MsgType = "ballot.prepare" // a host drafts a ballot on a vote item
	CmdBallotOpen    MsgType = "ballot.open"    // a host opens a draft (if the quorum is met)
	CmdBallotCast    MsgType = "ballot.cast"    // a delegate casts its institution's ballot
	CmdBallotClose   MsgType = "ballot.close"   // a host closes a ballot; the verdict is announced

	MsgAssembly MsgType = "assembly" // reply to assembly.get
	MsgRoll     MsgType = "roll"     // the roll changed: presence, proxies, quorum
	MsgBallot   MsgType = "ballot"   // a ballot was prepared (to hosts), opened or closed
	MsgTurnout  MsgType = "turnout"  // how many have voted (ephemeral, anonymous)
	MsgReceipt  MsgType = "receipt"  // your cast was recorded (to the caster only)
	MsgVote     MsgType = "vote"     // an institution's vote in a named ballot, published as cast
)

// assemblyStore is what the room needs to run an assembly: the ballot
// store and the registry (for the roll and institutions' names).
type assemblyStore interface {
	ballot.Store
	ballot.Registry
}

// newBallots returns the ballot service over info when it keeps the
// assembly's data, else nil (assembly commands are then unavailable).
func newBallots(info Info) *ballot.Service {
	st, ok := info.(assemblyStore)
	if !ok {
		return nil
	}
	return ballot.New(ballot.Config{Registry: st, Events: info}, st)
}

// rollMember is a member of the roll as the room shows it: never the
// refs of who acts for it.
type rollMember struct {
	Institution string             `json:"institution"`
	Status      institution.Status `json:"status"`
}

// rollView is the roll as the room shows it.
type rollView struct {
	Members []rollMember   `json:"members"`
	Present []string       `json:"present"`
	Proxies []ballot.Proxy `json:"proxies"`
	// Calling is set while a host's roll call is open.
	Calling  bool `json:"calling"`
	ProxyCap int  `json:"proxy_cap"`
	// KeepProxies: a proxy is kept when its giver is present again (by
	// default it ends then).
	KeepProxies bool `json:"keep_proxies"`
	// Quorum applies the default rule (a majority of the A-status
	// members present); a ballot's own rule is in the ballot.
	Quorum ballot.QuorumCount `json:"quorum"`
}

func viewRoll(r ballot.Roll) rollView {
	v := rollView{Members: make([]rollMember, len(r.Members)), Present: r.Present, Proxies: r.Proxies,
		Calling: r.Calling, ProxyCap: r.Cap(), KeepProxies: r.KeepProxies, Quorum: r.Count(ballot.Quorum{})}
	for i, m := range r.Members {
		v.Members[i] = rollMember{Institution: m.Institution, Status: m.Status}
	}
	if v.Present == nil {
		v.Present = []string{}
	}
	if v.Proxies == nil {
		v.Proxies = []ballot.Proxy{}
	}
	return v
}

// ballotView is a ballot as the room shows it, with its turnout and, for
// a named ballot, the votes cast so far (a secret one shows the turnout
// only).
type ballotView struct {
	ballot.Ballot
	Turnout ballot.Turnout `json:"turnout"`
	Votes   []ballot.Vote  `json:"votes,omitempty"`
}

// viewBallot reads b's turnout and, for a named ballot that has opened,
// its votes.
func viewBallot(ctx context.Context, s *ballot.Service, b ballot.Ballot) (ballotView, error) {
	v := ballotView{Ballot: b}
	var err error
	if v.Turnout, err = s.Turnout(ctx, b.ID); err != nil {
		return v, err
	}
	if !b.Secret && b.State != ballot.StateDraft {
		v.Votes, err = s.NamedVotes(ctx, b.ID)
	}
	return v, err
}

// youView is what the room tells one member about themselves.
type youView struct {
	// Institutions you act for.
	Institutions []string `json:"institutions"`
	// Holds are the institutions whose proxy one of yours holds.
	Holds []string `json:"holds"`
	// Voted lists, per open ballot, which of yours (and those you hold)
	// have voted.
	Voted map[string][]string `json:"voted"`
}

type assemblyView struct {
	// Active is set when the room holds an assembly (it has a roll: made
	// by the first delegate invitation or a host's roll call); the rest
	// is empty otherwise.
	Active  bool                   `json:"active"`
	Roll    rollView               `json:"roll"`
	Ballots []ballotView           `json:"ballots"`
	Names   map[string]agenda.Text `json:"names"`
	You     youView                `json:"you"`
}

// assemblyError turns a ballot error into the room's error: ballot codes
// are passed on as they are (not_eligible, already_voted, no_quorum…).
func assemblyError(err error) *Error {
	var ve *ballot.ValidationError
	switch {
	case errors.As(err, &ve):
		return errorf(ErrBadMessage, "%s", err.Error())
	case errors.Is(err, ballot.ErrUnavailable):
		return errorf(ErrUnavailable, "the store is unreachable; it is unknown whether that was recorded: look again before retrying")
	case errors.Is(err, ballot.ErrNotFound):
		return errorf(ErrUnknown, "no such ballot or institution in this assembly")
	case ballot.CodeOf(err) != "":
		return errorf(ErrorCode(ballot.CodeOf(err)), "%s", err.Error())
	}
	return errorf(ErrUnavailable, "the assembly could not be reached")
}

// ballots returns the room's ballot service, or an error.
func (r *room) ballots() (*ballot.Service, *Error) {
	if r.node.ballots == nil {
		return nil, errorf(ErrUnavailable, "this service runs no general assembly")
	}
	return r.node.ballots, nil
}

// assemblyCall runs f with the ballot service and a bounded context.
func (r *room) assemblyCall(f func(ctx context.Context, s *ballot.Service) error) *Error {
	s, e := r.ballots()
	if e != nil {
		return e
	}
	ctx, cancel := r.callContext()
	defer cancel()
	if err := f(ctx, s); err != nil {
		return assemblyError(err)
	}
	return nil
}

func (r *room) assemblyGet(c *Client, _ Envelope, _ noData) *Error {
	var v assemblyView
	e := r.assemblyCall(func(ctx context.Context, s *ballot.Service) error {
		roll, err := s.Roll(ctx, r.id)
		if errors.Is(err, ballot.ErrNotFound) { // no assembly in this room
			return nil
		}
		if err != nil {
			return err
		}
		v.Active, v.Roll = true, viewRoll(roll)
		v.You = youView{Institutions: roll.ActsFor(c.member.Subject), Holds: []string{}, Voted: map[string][]string{}}
		if v.You.Institutions == nil {
			v.You.Institutions = []string{}
		}
		for _, p := range roll.Proxies {
			if slices.Contains(v.You.Institutions, p.To) {
				v.You.Holds = append(v.You.Holds, p.From)
			}
		}
		bs, err := s.List(ctx, r.id)
		if err != nil {
			return err
		}
		v.Ballots = []ballotView{}
		for _, b := range bs {
			if b.State == ballot.StateDraft && c.member.Role != RoleHost {
				continue
			}
			bv, err := viewBallot(ctx, s, b)
			if err != nil {
				return err
			}
			v.Ballots = append(v.Ballots, bv)
			if b.State == ballot.StateOpen && len(v.You.Institutions) > 0 {
				voted, err := s.Voted(ctx, b.ID, append(slices.Clone(v.You.Institutions), v.You.Holds...))
				if err != nil {
					return err
				}
				if len(voted) > 0 {
					v.You.Voted[b.ID] = voted
				}
			}
		}
		v.Names = map[string]agenda.Text{}
		if names, ok := r.node.info.(interface {
			ListInstitutions(ctx context.Context) ([]institution.Institution, error)
		}); ok {
			ins, err := names.ListInstitutions(ctx)
			if err != nil {
				return err
			}
			for _, in := range ins {
				if _, ok := roll.Member(in.ID); ok {
					v.Names[in.ID] = in.Name
				}
			}
		}
		return nil
	})
	if e != nil {
		return e
	}
	r.send(c, Envelope{Type: MsgAssembly, Room: r.id, Data: mustJSON(v)})
	return nil
}

// publishRoll announces the roll as it now is, in the room's log.
func (r *room) publishRoll(c *Client, roll ballot.Roll) *Error {
	return r.publish(Envelope{Type: MsgRoll, From: c.member.ID, Data: mustJSON(viewRoll(roll))})
}

// rollEdit applies one change to the roll and announces the result.
func (r *room) rollEdit(c *Client, f func(ctx context.Context, s *ballot.Service) (ballot.Roll, error)) *Error {
	var roll ballot.Roll
	if e := r.assemblyCall(func(ctx context.Context, s *ballot.Service) error {
		if _, err := s.EnsureRoll(ctx, r.id); err != nil {
			return err
		}
		var err error
		roll, err = f(ctx, s)
		return err
	}); e != nil {
		return e
	}
	return r.publishRoll(c, roll)
}

type rollCallCmd struct {
	Open bool `json:"open"`
}

// rollCall opens or closes the roll call; opening it first takes the
// registry's changes into the roll, until the first ballot opens.
func (r *room) rollCall(c *Client, _ Envelope, d rollCallCmd) *Error {
	return r.rollEdit(c, func(ctx context.Context, s *ballot.Service) (ballot.Roll, error) {
		if d.Open {
			if _, err := s.SyncRoll(ctx, r.id); err != nil {
				return ballot.Roll{}, err
			}
		}
		return s.Calling(ctx, r.id, d.Open)
	})
}

type rollMarkCmd struct {
	Institution string `json:"institution"`
	Present     bool   `json:"present"`
}

// rollMark: a host marks any institution; a delegate answers the roll
// for an institution it acts for.
func (r *room) rollMark(c *Client, _ Envelope, d rollMarkCmd) *Error {
	return r.rollEdit(c, func(ctx context.Context, s *ballot.Service) (ballot.Roll, error) {
		if c.member.Role != RoleHost {
			roll, err := s.Roll(ctx, r.id)
			if err != nil {
				return ballot.Roll{}, err
			}
			if !slices.Contains(roll.ActsFor(c.member.Subject), d.Institution) {
				return ballot.Roll{}, ballot.ErrWrongInstitution
			}
		}
		return s.MarkPresent(ctx, r.id, d.Institution, d.Present)
	})
}

type proxyCmd struct {
	From string `json:"from"`
	To   string `json:"to,omitempty"`
}

func (r *room) proxyGrant(c *Client, _ Envelope, d proxyCmd) *Error {
	return r.rollEdit(c, func(ctx context.Context, s *ballot.Service) (ballot.Roll, error) {
		return s.GrantProxy(ctx, r.id, d.From, d.To)
	})
}

func (r *room) proxyRevoke(c *Client, _ Envelope, d proxyCmd) *Error {
	return r.rollEdit(c, func(ctx context.Context, s *ballot.Service) (ballot.Roll, error) {
		return s.RevokeProxy(ctx, r.id, d.From)
	})
}

type proxyRulesCmd struct {
	Cap  int  `json:"cap"`
	Keep bool `json:"keep"`
}

// proxyRules: a host sets how many proxies one institution may hold and
// whether a proxy is kept when its giver is present again.
func (r *room) proxyRules(c *Client, _ Envelope, d proxyRulesCmd) *Error {
	return r.rollEdit(c, func(ctx context.Context, s *ballot.Service) (ballot.Roll, error) {
		return s.SetProxyRules(ctx, r.id, d.Cap, d.Keep)
	})
}

// ballotPrepareCmd is a ballot's definition; the server names it.
type ballotPrepareCmd struct {
	Item       string             `json:"item"`
	Kind       ballot.Kind        `json:"kind"`
	Title      agenda.Text        `json:"title"`
	Text       agenda.Text        `json:"text,omitempty"`
	Candidates []ballot.Candidate `json:"candidates,omitempty"`
	Seats      int                `json:"seats,omitempty"`
	Secret     bool               `json:"secret"`
	Rules      ballot.Rules       `json:"rules"`
}

// publishBallot announces a ballot with its turnout: a draft to hosts.
func (r *room) publishBallot(c *Client, s *ballot.Service, ctx context.Context, b ballot.Ballot) *Error {
	bv, err := viewBallot(ctx, s, b)
	if err != nil {
		return assemblyError(err)
	}
	env := Envelope{Type: MsgBallot, From: c.member.ID, Data: mustJSON(bv)}
	if b.State == ballot.StateDraft {
		env.To = ToHosts
	}
	return r.publish(env)
}

// ballotStep runs one host step on a ballot and announces the ballot.
func (r *room) ballotStep(c *Client, f func(ctx context.Context, s *ballot.Service) (ballot.Ballot, error)) *Error {
	s, e := r.ballots()
	if e != nil {
		return e
	}
	ctx, cancel := r.callContext()
	defer cancel()
	b, err := f(ctx, s)
	if err != nil {
		return assemblyError(err)
	}
	return r.publishBallot(c, s, ctx, b)
}

func (r *room) ballotPrepare(c *Client, _ Envelope, d ballotPrepareCmd) *Error {
	it, e := r.agendaItem(d.Item)
	if e != nil {
		return e
	}
	if it.Kind != agenda.ItemVote {
		return errorf(ErrInvalidState, "data.item: ballots are held on items of kind vote, and %q is a %s", clip(it.ID, 40), it.Kind)
	}
	return r.ballotStep(c, func(ctx context.Context, s *ballot.Service) (ballot.Ballot, error) {
		if _, err := s.EnsureRoll(ctx, r.id); err != nil {
			return ballot.Ballot{}, err
		}
		return s.Prepare(ctx, ballot.Ballot{ID: agenda.NewID("b-"), Event: r.id, Item: it.ID, Kind: d.Kind, Title: d.Title,
			Text: d.Text, Candidates: d.Candidates, Seats: d.Seats, Secret: d.Secret, Rules: d.Rules})
	})
}

type ballotCmd struct {
	Ballot string `json:"ballot"`
}

// ownBallot returns the ballot if it belongs to this room's assembly.
func (r *room) ownBallot(ctx context.Context, s *ballot.Service, id string) (ballot.Ballot, error) {
	b, err := s.Get(ctx, id)
	if err == nil && b.Event != r.id {
		return ballot.Ballot{}, ballot.ErrNotFound
	}
	return b, err
}

// ballotOpen opens a draft; before the assembly's first ballot opens, the
// roll takes the registry's last changes (from then on it is frozen).
func (r *room) ballotOpen(c *Client, _ Envelope, d ballotCmd) *Error {
	return r.ballotStep(c, func(ctx context.Context, s *ballot.Service) (ballot.Ballot, error) {
		if _, err := r.ownBallot(ctx, s, d.Ballot); err != nil {
			return ballot.Ballot{}, err
		}
		if _, err := s.SyncRoll(ctx, r.id); err != nil {
			return ballot.Ballot{}, err
		}
		return s.Open(ctx, d.Ballot)
	})
}

func (r *room) ballotClose(c *Client, _ Envelope, d ballotCmd) *Error {
	return r.ballotStep(c, func(ctx context.Context, s *ballot.Service) (ballot.Ballot, error) {
		if _, err := r.ownBallot(ctx, s, d.Ballot); err != nil {
			return ballot.Ballot{}, err
		}
		return s.Close(ctx, d.Ballot)
	})
}

type ballotCastCmd struct {
	Ballot      string        `json:"ballot"`
	Institution string        `json:"institution"`
	Choice      ballot.Choice `json:"choice"`
}

// ballotCast records a delegate's ballot for an institution. The receipt
// goes to the caster's connection only. A named ballot publishes the vote
// (institution, proxy holder, choice) in the room's log, again each time
// it is changed until the close; of a secret one the room hears only the
// turnout, with no author, and nothing about the cast is logged.
func (r *room) ballotCast(c *Client, _ Envelope, d ballotCastCmd) *Error {
	s, e := r.ballots()
	if e != nil {
		return e
	}
	ctx, cancel := r.callContext()
	defer cancel()
	b, err := r.ownBallot(ctx, s, d.Ballot)
	if err != nil {
		return assemblyError(err)
	}
	rc, err := s.Cast(ctx, d.Ballot, c.member.Subject, d.Institution, d.Choice)
	if err != nil {
		return assemblyError(err)
	}
	r.send(c, Envelope{Type: MsgReceipt, Room: r.id, Data: mustJSON(rc)})
	if !b.Secret {
		vote := struct {
			Ballot string `json:"ballot"`
			ballot.Vote
		}{d.Ballot, ballot.Vote{Institution: rc.Institution, Via: rc.Via, Choice: rc.Choice}}
		if e := r.publish(Envelope{Type: MsgVote, From: c.member.ID, Data: mustJSON(vote)}); e != nil {
			return nil // the vote is recorded; assembly.get shows it
		}
	}
	t, err := s.Turnout(ctx, d.Ballot)
	if err != nil {
		return nil // the cast is recorded; the count follows with the next one
	}
	out := Envelope{Type: MsgTurnout, Data: mustJSON(t)}
	if err := r.node.backend.Announce(ctx, r.id, &out); err != nil {
		return nil // likewise: the receipt is what the caster needed
	}
	return nil
}
