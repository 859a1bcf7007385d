package ballot_test

import (
	"errors"
	"fmt"
	"testing"

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
