package ballot

import (
	"fmt"
	"slices"
	"sort"

	"github.com/majlis/majlis/institution"
)

// DefaultProxyCap is how many proxies one institution may hold when the
// roll does not say.
const DefaultProxyCap = 1

// Member is an institution taking part in an assembly, as the roll sees it.
type Member struct {
	Institution string             `json:"institution"`
	Status      institution.Status `json:"status"`
	// Delegates are the person refs that may act for it (delegates and
	// alternates alike: one ballot per institution whoever casts it).
	Delegates []string `json:"delegates"`
}

// Proxy records that From gives its vote to To for this assembly.
type Proxy struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Roll is the state of one general assembly that ballots depend on: its
// members, who is present, and the proxies. It is plain data: its methods
// change it in memory and the Service stores it with its Version.
type Roll struct {
	// Event is the general assembly's event ID; one roll per assembly.
	Event   string   `json:"event"`
	Members []Member `json:"members"`
	// Present lists the institutions present, sorted.
	Present []string `json:"present"`
	// Proxies in force, sorted by From.
	Proxies []Proxy `json:"proxies"`
	// ProxyCap is how many proxies one institution may hold; 0 means
	// DefaultProxyCap.
	ProxyCap int `json:"proxy_cap,omitempty"`
	// KeepProxies keeps a proxy when its giver is present again; by
	// default (false) the proxy ends when the giver is marked present.
	KeepProxies bool `json:"keep_proxies,omitempty"`
	// Calling is set while a host's roll call is open: delegates are
	// asked to mark their institutions present.
	Calling bool `json:"calling,omitempty"`
	// Day is the day (YYYY-MM-DD) whose accreditation the members' statuses
	// are as of: the day the assembly meets; empty for the day the roll
	// was made.
	Day     string `json:"day,omitempty"`
	Version int64  `json:"version"`
}

// NewRoll returns the roll of an assembly with the given institutions as
// members (their status and delegates as of now), nobody present.
func NewRoll(event string, ins []institution.Institution) Roll {
	return NewRollOn(event, ins, "")
}

// NewRollOn is NewRoll with each member's accreditation as of day
// (institution.StatusOn; "" for its current status).
func NewRollOn(event string, ins []institution.Institution, day string) Roll {
	r := Roll{Event: event, Members: make([]Member, 0, len(ins)), Present: []string{}, Proxies: []Proxy{}, Day: day}
	for _, in := range ins {
		st := in.Status
		if day != "" {
			st = in.StatusOn(day)
		}
		m := Member{Institution: in.ID, Status: st, Delegates: []string{}}
		for _, d := range in.Delegates {
			m.Delegates = append(m.Delegates, d.Ref)
		}
		r.Members = append(r.Members, m)
	}
	sort.Slice(r.Members, func(a, b int) bool { return r.Members[a].Institution < r.Members[b].Institution })
	return r
}

// Member returns the member inst.
func (r Roll) Member(inst string) (Member, bool) {
	i, ok := slices.BinarySearchFunc(r.Members, inst, func(m Member, id string) int {
		switch {
		case m.Institution < id:
			return -1
		case m.Institution > id:
			return 1
		}
		return 0
	})
	if !ok {
		return Member{}, false
	}
	return r.Members[i], true
}

// AddDelegate lets the person ref act for the member inst (once).
func (r *Roll) AddDelegate(inst, ref string) error {
	i := slices.IndexFunc(r.Members, func(m Member) bool { return m.Institution == inst })
	switch {
	case i < 0:
		return fmt.Errorf("%w: %q is not a member of this assembly", ErrNotFound, inst)
	case ref == "":
		return &ValidationError{Fields: map[string]string{"delegate": "required"}}
	case slices.Contains(r.Members[i].Delegates, ref):
		return nil
	case len(r.Members[i].Delegates) >= institution.MaxDelegates:
		return &ValidationError{Fields: map[string]string{"delegate": fmt.Sprintf("at most %d per institution", institution.MaxDelegates)}}
	}
	m := &r.Members[i]
	m.Delegates = append(slices.Clone(m.Delegates), ref)
	return nil
}

// ActsFor returns the members person may act for (as delegate or alternate).
func (r Roll) ActsFor(person string) []string {
	var out []string
	for _, m := range r.Members {
		if person != "" && slices.Contains(m.Delegates, person) {
			out = append(out, m.Institution)
		}
	}
	return out
}

// IsPresent reports whether inst is marked present.
func (r Roll) IsPresent(inst string) bool {
	_, ok := slices.BinarySearch(r.Present, inst)
	return ok
}

// SetPresent marks inst present or absent. Marking the giver of a proxy
// present ends the proxy unless KeepProxies.
func (r *Roll) SetPresent(inst string, present bool) error {
	if _, ok := r.Member(inst); !ok {
		return fmt.Errorf("%w: %q is not a member of this assembly", ErrNotFound, inst)
	}
	i, there := slices.BinarySearch(r.Present, inst)
	switch {
	case present && !there:
		r.Present = slices.Insert(r.Present, i, inst)
	case !present && there:
		r.Present = slices.Delete(r.Present, i, i+1)
	}
	if present && !r.KeepProxies {
		r.Proxies = slices.DeleteFunc(r.Proxies, func(p Proxy) bool { return p.From == inst })
	}
	return nil
}

// ProxyOf returns the holder of from's proxy.
func (r Roll) ProxyOf(from string) (string, bool) {
	for _, p := range r.Proxies {
		if p.From == from {
			return p.To, true
		}
	}
	return "", false
}

// held counts the proxies to holds.
func (r Roll) held(to string) int {
	n := 0
	for _, p := range r.Proxies {
		if p.To == to {
			n++
		}
	}
	return n
}

// Cap is the number of proxies one institution may hold.
func (r Roll) Cap() int {
	if r.ProxyCap > 0 {
		return r.ProxyCap
	}
	return DefaultProxyCap
}

// GrantProxy records that from gives its vote to to: both A-status
// members, no chains (to has not given its own, from holds none), one
// proxy per giver, at most Cap per holder.
func (r *Roll) GrantProxy(from, to string) error {
	f, okF := r.Member(from)
	t, okT := r.Member(to)
	switch {
	case !okF || !okT:
		return fmt.Errorf("%w: both institutions must be members of this assembly", ErrNotFound)
	case f.Status != institution.StatusA || t.Status != institution.StatusA:
		return fmt.Errorf("%w: %s is %s, %s is %s", ErrProxyNotA, from, f.Status, to, t.Status)
	case from == to:
		return fmt.Errorf("%w: %s to itself", ErrProxyChain, from)
	}
	if h, ok := r.ProxyOf(from); ok {
		return fmt.Errorf("%w: %s has given its proxy to %s already", ErrProxyChain, from, h)
	}
	if h, ok := r.ProxyOf(to); ok {
		return fmt.Errorf("%w: %s has given its own proxy to %s", ErrProxyChain, to, h)
	}
	if r.held(from) > 0 {
		return fmt.Errorf("%w: %s holds proxies", ErrProxyChain, from)
	}
	if r.held(to) >= r.Cap() {
		return fmt.Errorf("%w: %s holds %d of %d", ErrProxyOverCap, to, r.held(to), r.Cap())
	}
	if !r.KeepProxies && r.IsPresent(from) {
		return fmt.Errorf("%w: %s is present (a proxy ends when its giver is present)", ErrProxyChain, from)
	}
	i, _ := slices.BinarySearchFunc(r.Proxies, from, func(p Proxy, id string) int {
		if p.From < id {
			return -1
		}
		return 1
	})
	r.Proxies = slices.Insert(r.Proxies, i, Proxy{From: from, To: to})
	return nil
}

// SetProxyRules sets how many proxies one institution may hold (cap; 0
// is DefaultProxyCap) and whether a proxy is kept when its giver is
// present again (keep) or ends then. A cap under what a holder already
// holds is refused (ErrProxyOverCap: end a proxy first); no longer
// keeping ends the proxies of the givers present, as marking them present
// would.
func (r *Roll) SetProxyRules(cap int, keep bool) error {
	if cap < 0 || cap > MaxProxyCap {
		return &ValidationError{Fields: map[string]string{"cap": fmt.Sprintf("must be between 0 (default %d) and %d", DefaultProxyCap, MaxProxyCap)}}
	}
	next := Roll{Proxies: r.Proxies, ProxyCap: cap}
	for _, p := range r.Proxies {
		if n := next.held(p.To); n > next.Cap() {
			return fmt.Errorf("%w: %s holds %d, over %d", ErrProxyOverCap, p.To, n, next.Cap())
		}
	}
	r.ProxyCap, r.KeepProxies = cap, keep
	if !keep {
		r.Proxies = slices.DeleteFunc(r.Proxies, func(p Proxy) bool { return r.IsPresent(p.From) })
	}
	return nil
}

// RevokeProxy ends from's proxy, if any.
func (r *Roll) RevokeProxy(from string) {
	r.Proxies = slices.DeleteFunc(r.Proxies, func(p Proxy) bool { return p.From == from })
}

// Count applies quorum q to the roll.
func (r Roll) Count(q Quorum) QuorumCount {
	members, present, represented := 0, 0, 0
	for _, m := range r.Members {
		if m.Status != institution.StatusA {
			continue
		}
		members++
		if r.IsPresent(m.Institution) {
			present++
		} else if h, ok := r.ProxyOf(m.Institution); ok && r.IsPresent(h) {
			represented++
		}
	}
	return q.Count(members, present, represented)
}

// Eligible returns the A-status institutions of the roll, sorted: the
// voters of every ballot of the assembly.
func (r Roll) Eligible() []string {
	var out []string
	for _, m := range r.Members {
		if m.Status == institution.StatusA {
			out = append(out, m.Institution)
		}
	}
	return out
}

// Authorize says whether person may cast inst's ballot now. inst votes
// itself (by any of its delegates) unless its proxy is in force: then only
// the holder's delegates cast it, and via names the holder. The one
// casting must be present (inst itself, or the holder).
func (r Roll) Authorize(person, inst string) (via string, err error) {
	actsFor := func(m Member) bool { return person != "" && slices.Contains(m.Delegates, person) }
	delegateOfA := false
	for _, m := range r.Members {
		if m.Status == institution.StatusA && actsFor(m) {
			delegateOfA = true
			break
		}
	}
	if !delegateOfA {
		return "", fmt.Errorf("%w: acts for no A-status institution of this assembly", ErrNotEligible)
	}
	m, ok := r.Member(inst)
	if !ok || m.Status != institution.StatusA {
		return "", fmt.Errorf("%w: %q does not vote in this assembly", ErrNotEligible, inst)
	}
	if h, ok := r.ProxyOf(inst); ok {
		holder, _ := r.Member(h)
		if !actsFor(holder) {
			return "", fmt.Errorf("%w: %s's vote is held by proxy", ErrWrongInstitution, inst)
		}
		if !r.IsPresent(h) {
			return "", fmt.Errorf("%w: the proxy holder %s", ErrNotPresent, h)
		}
		return h, nil
	}
	if !actsFor(m) {
		return "", ErrWrongInstitution
	}
	if !r.IsPresent(inst) {
		return "", fmt.Errorf("%w: %s", ErrNotPresent, inst)
	}
	return "", nil
}

// validate checks the roll's shape: what NewRoll, SetPresent and
// GrantProxy keep true, for a roll that comes from elsewhere.
func (r Roll) validate() error {
	p := problems{}
	if !ValidID(r.Event) {
		p.add("event", "must be the general assembly's event ID")
	}
	if r.ProxyCap < 0 || r.ProxyCap > MaxProxyCap {
		p.add("proxy_cap", "must be between 0 (default %d) and %d", DefaultProxyCap, MaxProxyCap)
	}
	if len(r.Members) > MaxMembers {
		p.add("members", "at most %d members", MaxMembers)
		return p.err()
	}
	for i, m := range r.Members {
		f := fmt.Sprintf("members[%d]", i)
		if i > 0 && m.Institution <= r.Members[i-1].Institution {
			p.add(f+".institution", "members are sorted by institution, each once")
		}
		if !m.Status.Valid() {
			p.add(f+".status", "must be one of A, B, none")
		}
		if len(m.Delegates) > institution.MaxDelegates {
			p.add(f+".delegates", "at most %d", institution.MaxDelegates)
		}
	}
	for i, id := range r.Present {
		if _, ok := r.Member(id); !ok || (i > 0 && id <= r.Present[i-1]) {
			p.add(fmt.Sprintf("present[%d]", i), "present institutions are members, sorted, each once")
		}
	}
	check := Roll{Members: r.Members, Present: r.Present, ProxyCap: r.ProxyCap, KeepProxies: r.KeepProxies}
	for i, x := range r.Proxies {
		if err := check.GrantProxy(x.From, x.To); err != nil {
			p.add(fmt.Sprintf("proxies[%d]", i), "%v", err)
		}
	}
	return p.err()
}

// Limits of a roll.
const (
	// MaxMembers bounds an assembly's roll.
	MaxMembers = 1000
	// MaxProxyCap bounds Roll.ProxyCap.
	MaxProxyCap = 10
)
