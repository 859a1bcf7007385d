package ballot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// registry returns a A-status and b B-status institutions, IDs a001… and
// b001…, each with delegate "d-<id>" and alternate "x-<id>".
func registry(a, b int) []institution.Institution {
	var out []institution.Institution
	add := func(prefix string, n int, st institution.Status) {
		for i := 1; i <= n; i++ {
			id := fmt.Sprintf("%s%03d", prefix, i)
			out = append(out, institution.Institution{ID: id, Name: agenda.Text{"en": id}, Status: st,
				Delegates: []institution.Delegate{{Ref: "d-" + id}, {Ref: "x-" + id, Alternate: true}}})
		}
	}
	add("a", a, institution.StatusA)
	add("b", b, institution.StatusB)
	return out
}

func present(r *ballot.Roll, ids ...string) {
	for _, id := range ids {
		if err := r.SetPresent(id, true); err != nil {
			panic(err)
		}
	}
}

func TestProxies(t *testing.T) {
	tests := []struct {
		name     string
		cap      int
		keep     bool
		given    []ballot.Proxy
		from, to string
		want     error
	}{
		{"a first proxy", 0, false, nil, "a001", "a002", nil},
		{"over the default cap of one", 0, false, []ballot.Proxy{{"a003", "a002"}}, "a001", "a002", ballot.ErrProxyOverCap},
		{"within a cap of two", 2, false, []ballot.Proxy{{"a003", "a002"}}, "a001", "a002", nil},
		{"over a cap of two", 2, false, []ballot.Proxy{{"a003", "a002"}, {"a004", "a002"}}, "a001", "a002", ballot.ErrProxyOverCap},
		{"to a B-status institution", 0, false, nil, "a001", "b001", ballot.ErrProxyNotA},
		{"from a B-status institution", 0, false, nil, "b001", "a001", ballot.ErrProxyNotA},
		{"to itself", 0, false, nil, "a001", "a001", ballot.ErrProxyChain},
		{"to one that gave its own", 0, false, []ballot.Proxy{{"a002", "a003"}}, "a001", "a002", ballot.ErrProxyChain},
		{"from one that holds one", 0, false, []ballot.Proxy{{"a003", "a001"}}, "a001", "a002", ballot.ErrProxyChain},
		{"a second proxy from the same", 2, false, []ballot.Proxy{{"a001", "a003"}}, "a001", "a002", ballot.ErrProxyChain},
		{"from a non-member", 0, false, nil, "zzz", "a002", ballot.ErrNotFound},
		{"from one present", 0, false, nil, "a009", "a002", ballot.ErrProxyChain},
		{"from one present, proxies kept", 0, true, nil, "a009", "a002", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := ballot.NewRoll("ga-2021", registry(10, 2))
			r.ProxyCap, r.KeepProxies = tt.cap, tt.keep
			present(&r, "a009")
			for _, p := range tt.given {
				if err := r.GrantProxy(p.From, p.To); err != nil {
					t.Fatalf("given %v: %v", p, err)
				}
			}
			before := len(r.Proxies)
			err := r.GrantProxy(tt.from, tt.to)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && len(r.Proxies) != before {
				t.Fatal("a refused proxy was recorded")
			}
			if err == nil && ballot.CodeOf(err) != "" {
				t.Fatal("CodeOf(nil)")
			}
		})
	}
}

func TestProxyEndsWhenGiverIsPresent(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			r := ballot.NewRoll("ga-2021", registry(3, 0))
			r.KeepProxies = keep
			if err := r.GrantProxy("a001", "a002"); err != nil {
				t.Fatal(err)
			}
			present(&r, "a002", "a001")
			if _, held := r.ProxyOf("a001"); held != keep {
				t.Fatalf("proxy held after the giver came: %v, want %v", held, keep)
			}
		})
	}
}

// TestSetProxyRules: the cap and the keeping are set within bounds; a
// cap under what a holder holds is refused with nothing changed; ending
// the keeping ends the proxies of givers present.
func TestSetProxyRules(t *testing.T) {
	tests := []struct {
		name      string
		cap       int
		keep      bool
		want      error
		wantProxy []ballot.Proxy
	}{
		{"a cap of two", 2, true, nil, []ballot.Proxy{{"a001", "a003"}, {"a002", "a003"}}},
		{"the default", 0, true, ballot.ErrProxyOverCap, nil},
		{"a cap of one under two held", 1, true, ballot.ErrProxyOverCap, nil},
		{"no longer kept: the present giver's ends", 2, false, nil, []ballot.Proxy{{"a002", "a003"}}},
		{"over the bound", ballot.MaxProxyCap + 1, true, ballot.ErrInvalid, nil},
		{"negative", -1, true, ballot.ErrInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := ballot.NewRoll("ga-2021", registry(4, 0))
			r.ProxyCap, r.KeepProxies = 2, true
			for _, p := range []ballot.Proxy{{"a001", "a003"}, {"a002", "a003"}} {
				if err := r.GrantProxy(p.From, p.To); err != nil {
					t.Fatal(err)
				}
			}
			present(&r, "a001")
			before := slices.Clone(r.Proxies)
			err := r.SetProxyRules(tt.cap, tt.keep)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil {
				if r.ProxyCap != 2 || !r.KeepProxies || !slices.Equal(r.Proxies, before) {
					t.Fatalf("a refused change changed the roll: %+v", r)
				}
				return
			}
			if r.Cap() != max(tt.cap, 1) || r.KeepProxies != tt.keep || !slices.Equal(r.Proxies, tt.wantProxy) {
				t.Fatalf("roll %+v", r)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	r := ballot.NewRoll("ga-2021", registry(4, 1))
	present(&r, "a001", "a002", "b001")
	if err := r.GrantProxy("a003", "a002"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, person, inst string
		via                string
		want               error
	}{
		{"delegate for its own", "d-a001", "a001", "", nil},
		{"alternate for its own", "x-a001", "a001", "", nil},
		{"holder for the giver", "d-a002", "a003", "a002", nil},
		{"holder's alternate for the giver", "x-a002", "a003", "a002", nil},
		{"holder for itself", "d-a002", "a002", "", nil},
		{"giver while its proxy is in force", "d-a003", "a003", "", ballot.ErrWrongInstitution},
		{"delegate for another", "d-a001", "a002", "", ballot.ErrWrongInstitution},
		{"B-status delegate for its own", "d-b001", "b001", "", ballot.ErrNotEligible},
		{"B-status delegate for an A", "d-b001", "a001", "", ballot.ErrNotEligible},
		{"A delegate for a B", "d-a001", "b001", "", ballot.ErrNotEligible},
		{"observer (no institution)", "observer-1", "a001", "", ballot.ErrNotEligible},
		{"empty person", "", "a001", "", ballot.ErrNotEligible},
		{"absent institution", "d-a004", "a004", "", ballot.ErrNotPresent},
		{"unknown institution", "d-a001", "zzz", "", ballot.ErrNotEligible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			via, err := r.Authorize(tt.person, tt.inst)
			if !errors.Is(err, tt.want) || via != tt.via {
				t.Fatalf("got %q, %v; want %q, %v", via, err, tt.via, tt.want)
			}
		})
	}
	// The holder absent: its proxy cannot be cast.
	r2 := ballot.NewRoll("ga-2021", registry(2, 0))
	if err := r2.GrantProxy("a001", "a002"); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Authorize("d-a002", "a001"); !errors.Is(err, ballot.ErrNotPresent) {
		t.Fatalf("absent holder: %v", err)
	}
}

func TestRollCount(t *testing.T) {
	r := ballot.NewRoll("ga-2021", registry(9, 3))
	present(&r, "a001", "a002", "a003", "b001", "b002", "b003")
	if err := r.GrantProxy("a004", "a001"); err != nil {
		t.Fatal(err)
	}
	if err := r.GrantProxy("a005", "a006"); err != nil { // holder absent: not represented
		t.Fatal(err)
	}
	c := r.Count(ballot.Quorum{Represented: true})
	if c.Members != 9 || c.Present != 3 || c.Represented != 1 || c.Counted != 4 || c.Needed != 5 || c.Met {
		t.Fatalf("count %+v (B-status members never count)", c)
	}
	if n := len(r.Eligible()); n != 9 {
		t.Fatalf("%d eligible", n)
	}
}

func TestCodes(t *testing.T) {
	for _, e := range []*ballot.Error{ballot.ErrNotEligible, ballot.ErrWrongInstitution, ballot.ErrAlreadyVoted, ballot.ErrClosed,
		ballot.ErrProxyOverCap, ballot.ErrProxyNotA, ballot.ErrNoQuorum, ballot.ErrForgedReceipt} {
		wrapped := fmt.Errorf("context: %w", e)
		if ballot.CodeOf(wrapped) != e.Code || e.Code == "" {
			t.Errorf("%v: code %q", e, ballot.CodeOf(wrapped))
		}
	}
	if ballot.CodeOf(&ballot.ValidationError{}) != "invalid" || ballot.CodeOf(errors.New("x")) != "" {
		t.Error("CodeOf of a validation error or a foreign one")
	}
}

func TestPutRollValidates(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*ballot.Roll)
		field string
	}{
		{"bad event", func(r *ballot.Roll) { r.Event = "" }, "event"},
		{"cap too high", func(r *ballot.Roll) { r.ProxyCap = 11 }, "proxy_cap"},
		{"members out of order", func(r *ballot.Roll) { r.Members[0], r.Members[1] = r.Members[1], r.Members[0] }, "members[1].institution"},
		{"unknown status", func(r *ballot.Roll) { r.Members[2].Status = "C" }, "members[2].status"},
		{"present non-member", func(r *ballot.Roll) { r.Present = []string{"zzz"} }, "present[0]"},
		{"proxy to B", func(r *ballot.Roll) { r.Proxies = []ballot.Proxy{{From: "a001", To: "b001"}} }, "proxies[0]"},
		{"proxies over the cap", func(r *ballot.Roll) {
			r.Proxies = []ballot.Proxy{{From: "a001", To: "a003"}, {From: "a002", To: "a003"}}
		}, "proxies[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			svc := ballot.New(ballot.Config{}, newMemStore())
			r := ballot.NewRoll(event, registry(3, 1))
			tt.edit(&r)
			_, err := svc.PutRoll(ctx, r, 0)
			var ve *ballot.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tt.field] == "" {
				t.Fatalf("want a problem with %s, got %v", tt.field, err)
			}
		})
	}
}

// registryOf is a registry the test changes as it goes.
type registryOf struct{ ins []institution.Institution }

func (r *registryOf) ListInstitutions(context.Context) ([]institution.Institution, error) {
	return slices.Clone(r.ins), nil
}

func (r *registryOf) set(id string, edit func(*institution.Institution)) {
	for i := range r.ins {
		if r.ins[i].ID == id {
			edit(&r.ins[i])
			return
		}
	}
	in := institution.Institution{ID: id, Name: agenda.Text{"en": id}}
	edit(&in)
	r.ins = append(r.ins, in)
}

// meeting is the calendar of one assembly that meets on 1 July 2021 at
// 14:00 in Geneva.
type meeting struct{}

func (meeting) GetEvent(_ context.Context, id string) (agenda.Event, error) {
	return agenda.Event{ID: id, Start: time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC), TimeZone: "Europe/Zurich"}, nil
}

func accredited(changes ...string) []institution.Change {
	var out []institution.Change
	for i := 0; i+1 < len(changes); i += 2 {
		out = append(out, institution.Change{Status: institution.Status(changes[i]), Date: changes[i+1]})
	}
	return out
}

// TestRollIsTheAssemblysRecord: the roll takes each institution's
// accreditation as of the assembly's day (a decision dated after it does
// not count, one recorded late but dated before it does), follows the
// registry until the first ballot opens, and from then on no registry
// change (a status, a new institution, a removed one) rewrites the roll or
// a closed ballot's record.
func TestRollIsTheAssemblysRecord(t *testing.T) {
	reg := &registryOf{}
	for id, h := range map[string][]institution.Change{
		"a-since-2010":     accredited("A", "2010-01-01"),
		"a-from-august":    accredited("B", "2015-01-01", "A", "2021-08-01"),
		"b-since-june":     accredited("A", "2010-01-01", "B", "2021-06-01"),
		"a-on-the-day":     accredited("A", "2021-07-01"),
		"a-second":         accredited("A", "2012-03-04"),
		"never-accredited": nil,
	} {
		reg.set(id, func(in *institution.Institution) { in.History = h })
	}
	slices.SortFunc(reg.ins, func(a, b institution.Institution) int { return strings.Compare(a.ID, b.ID) })
	st := newMemStore()
	svc := ballot.New(ballot.Config{Registry: reg, Events: meeting{}, Rand: seeded(3)}, st)
	roll, err := svc.EnsureRoll(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]institution.Status{"a-since-2010": "A", "a-from-august": "B", "b-since-june": "B", "a-on-the-day": "A", "a-second": "A", "never-accredited": "none"}
	for id, st := range want {
		if m, _ := roll.Member(id); m.Status != st {
			t.Errorf("%s is %s in the roll of %s, want %s", id, m.Status, roll.Day, st)
		}
	}
	if roll.Day != "2021-07-01" {
		t.Fatalf("roll day %q", roll.Day)
	}

	// Before the first ballot opens: a decision recorded late (dated
	// before the day) and a new institution are taken in; presence and
	// proxies still valid are kept, the others end.
	for _, id := range []string{"a-since-2010", "a-second", "b-since-june"} {
		if _, err := svc.MarkPresent(ctx, event, id, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AddDelegate(ctx, event, "a-second", "invite:one"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantProxy(ctx, event, "a-on-the-day", "a-second"); err != nil {
		t.Fatal(err)
	}
	reg.set("a-on-the-day", func(in *institution.Institution) { in.History = accredited("A", "2020-01-01", "B", "2021-06-30") })
	reg.set("a-new", func(in *institution.Institution) { in.History = accredited("A", "2020-01-01") })
	roll, err = svc.SyncRoll(ctx, event)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := roll.Member("a-new"); !ok || m.Status != institution.StatusA {
		t.Fatalf("a new institution before the first ballot: %+v", roll.Members)
	}
	if m, _ := roll.Member("a-on-the-day"); m.Status != institution.StatusB || len(roll.Proxies) != 0 {
		t.Fatalf("a late decision: %+v, proxies %v", m, roll.Proxies)
	}
	if m, _ := roll.Member("a-second"); !slices.Contains(m.Delegates, "invite:one") || !roll.IsPresent("a-second") {
		t.Fatalf("the invitation's delegate or the presence was lost: %+v %v", m, roll.Present)
	}

	// A ballot runs and closes.
	b := prepared(t, svc, ballot.Ballot{ID: "motion-1", Event: event, Kind: ballot.KindMotion, Title: agenda.Text{"en": "Budget"}})
	if _, err := svc.Open(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Cast(ctx, b.ID, "invite:one", "a-second", ballot.Choice{Option: ballot.OptionYes}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Close(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	recordOf := func() string {
		res, err := svc.Results(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc.Roll(ctx, event)
		if err != nil {
			t.Fatal(err)
		}
		tu, err := svc.Turnout(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal([]any{res, r, tu})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	before := recordOf()

	// Then the registry changes: statuses, a new institution, one removed.
	reg.set("a-second", func(in *institution.Institution) { in.History = append(in.History, accredited("B", "2021-06-15")...) })
	reg.set("b-since-june", func(in *institution.Institution) { in.History = accredited("A", "2010-01-01") })
	reg.set("a-newest", func(in *institution.Institution) { in.History = accredited("A", "2019-01-01") })
	reg.ins = slices.DeleteFunc(reg.ins, func(in institution.Institution) bool { return in.ID == "a-since-2010" })
	if _, err := svc.SyncRoll(ctx, event); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDelegate(ctx, event, "a-newest", "invite:two"); !errors.Is(err, ballot.ErrNotFound) {
		t.Fatalf("a delegate of an institution that joined after the first ballot: %v", err)
	}
	if after := recordOf(); after != before {
		t.Fatalf("a registry change rewrote the assembly's record:\n%s\n---\n%s", before, after)
	}
}
