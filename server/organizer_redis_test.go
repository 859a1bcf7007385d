package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// TestSessionsSpanInstances: two instances over one Redis store. A
// session begun on one works on the other, and ending it or revoking its
// organizer on one ends it on both at once.
func TestSessionsSpanInstances(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	ctx := context.Background()
	st, err := store.OpenRedis(ctx, rs.URL(), store.RedisConfig{Prefix: "sessions-test:"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	secret := []byte(strings.Repeat("s", 32)) // shared by the instances, as store.Redis.Secret is
	var instances []*fixture
	for range 2 {
		svc := agenda.New(agenda.Config{}, st)
		srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Secret: secret}, st, svc)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		instances = append(instances, &fixture{t: t, srv: srv, ts: ts, svc: svc})
	}
	a, b := instances[0], instances[1]
	o := access.Organizer{ID: "org_apf", Name: "APF secretariat", Region: agenda.RegionAsiaPacific, Created: time.Now()}
	_, o.TokenHash = access.NewToken()
	if err := st.CreateOrganizer(ctx, o); err != nil {
		t.Fatal(err)
	}
	signIn := func() *http.Cookie {
		token, l := access.NewLink(o, "", time.Now())
		if err := st.CreateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		res, _ := a.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {token}}})
		if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
			t.Fatalf("sign in on a: %d", res.StatusCode)
		}
		return res.Cookies()[0]
	}
	status := func(f *fixture, ck *http.Cookie) int {
		res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck})
		return res.StatusCode
	}
	first, second := signIn(), signIn()
	if status(b, first) != http.StatusOK {
		t.Fatal("a session begun on a does not work on b")
	}
	res, _ := b.browse(browserReq{method: "POST", path: "/organizer/sign-out", cookie: first, form: url.Values{"csrf": {b.csrf(first)}}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out on b: %d", res.StatusCode)
	}
	if got := status(a, first); got != http.StatusSeeOther {
		t.Fatalf("signed out on b, still signed in on a: %d", got)
	}
	if status(a, second) != http.StatusOK || status(b, second) != http.StatusOK {
		t.Fatal("the other session ended too")
	}
	if err := st.RevokeOrganizer(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if status(a, second) != http.StatusSeeOther || status(b, second) != http.StatusSeeOther {
		t.Fatal("a revoked organizer's session still works")
	}
}
