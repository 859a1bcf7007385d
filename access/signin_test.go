package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

func signInStore(t *testing.T) (*store.Bolt, access.Organizer, access.Organizer) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var orgs []access.Organizer
	for _, id := range []string{"org_alice", "org_gone"} {
		_, h := access.NewToken()
		o := access.Organizer{ID: id, Name: id, Region: agenda.RegionGlobal, TokenHash: h, Created: now0}
		if err := st.CreateOrganizer(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	if err := st.RevokeOrganizer(context.Background(), "org_gone"); err != nil {
		t.Fatal(err)
	}
	return st, orgs[0], orgs[1]
}

var now0 = time.Date(2027, 1, 20, 6, 0, 0, 0, time.UTC)

func TestCheckSession(t *testing.T) {
	ctx := context.Background()
	st, alice, gone := signInStore(t)
	start := func(o access.Organizer) string {
		token, se := access.NewSession(o, "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0", now0)
		if err := st.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		return token
	}
	t.Run("used within the idle timeout lasts until the absolute one", func(t *testing.T) {
		token := start(alice)
		at := now0
		for at.Before(now0.Add(access.SessionMax - access.SessionIdle)) {
			at = at.Add(access.SessionIdle - time.Minute)
			se, o, err := access.CheckSession(ctx, st, token, at)
			if err != nil || o.ID != "org_alice" || se.UserAgent != "Firefox on Windows" || !se.LastSeen.Equal(at) {
				t.Fatalf("at %v: %+v %+v %v", at, se, o, err)
			}
		}
		if _, _, err := access.CheckSession(ctx, st, token, now0.Add(access.SessionMax)); !errors.Is(err, access.ErrUnauthorized) {
			t.Fatalf("past the absolute timeout: %v", err)
		}
		if _, _, err := access.CheckSession(ctx, st, token, now0.Add(time.Minute)); !errors.Is(err, access.ErrUnauthorized) {
			t.Fatalf("an expired session was kept: %v", err)
		}
	})
	tests := []struct {
		name  string
		token func() string
		at    time.Time
	}{
		{"idle too long", func() string { return start(alice) }, now0.Add(access.SessionIdle)},
		{"organizer revoked", func() string { return start(gone) }, now0},
		{"ended", func() string {
			token := start(alice)
			se, _, err := access.CheckSession(ctx, st, token, now0)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteSession(ctx, "org_alice", se.ID); err != nil {
				t.Fatal(err)
			}
			return token
		}, now0},
		{"forged", func() string { return "mjs_" + strings.Repeat("A", 43) }, now0},
		{"malformed", func() string { return "mjs_<script>" }, now0},
		{"a sign-in link is no session", func() string {
			token, l := access.NewLink(alice, "", now0)
			if err := st.CreateLink(ctx, l); err != nil {
				t.Fatal(err)
			}
			return token
		}, now0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := access.CheckSession(ctx, st, tc.token(), tc.at); !errors.Is(err, access.ErrUnauthorized) {
				t.Fatalf("%v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	_, a := access.NewSession(access.Organizer{ID: "org_a"}, "", now0)
	_, b := access.NewSession(access.Organizer{ID: "org_a"}, "", now0)
	tok := access.CSRFToken(key, a)
	tests := []struct {
		name string
		key  []byte
		se   access.Session
		got  string
		ok   bool
	}{
		{"its own session", key, a, tok, true},
		{"another session", key, b, tok, false},
		{"another server secret", []byte(strings.Repeat("x", 32)), a, tok, false},
		{"empty", key, a, "", false},
		{"truncated", key, a, tok[:len(tok)-1], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := access.CheckCSRF(tc.key, tc.se, tc.got); got != tc.ok {
				t.Fatalf("CheckCSRF = %v, want %v", got, tc.ok)
			}
		})
	}
}

func TestSignInLinks(t *testing.T) {
	ctx := context.Background()
	st, alice, gone := signInStore(t)
	issue := func(o access.Organizer, at time.Time) string {
		token, l := access.NewLink(o, "", at)
		if err := st.CreateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		return token
	}
	good := issue(alice, now0)
	if _, o, err := access.CheckLink(ctx, st, good, now0.Add(time.Minute)); err != nil || o.ID != "org_alice" {
		t.Fatalf("check: %+v %v", o, err)
	}
	if o, err := access.UseLink(ctx, st, good, now0.Add(time.Minute)); err != nil || o.ID != "org_alice" {
		t.Fatalf("use: %+v %v", o, err)
	}
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"reused", good, now0.Add(2 * time.Minute), access.ErrLinkUsed},
		{"expired", issue(alice, now0), now0.Add(access.LinkTTL), access.ErrLinkExpired},
		{"forged", "mjl_" + strings.Repeat("B", 43), now0, access.ErrLinkUnknown},
		{"malformed", "mjl_x", now0, access.ErrLinkUnknown},
		{"a session is no link", "mjs_" + good[4:], now0, access.ErrLinkUnknown},
		{"organizer revoked", issue(gone, now0), now0, access.ErrUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := access.CheckLink(ctx, st, tc.token, tc.at); !errors.Is(err, tc.want) {
				t.Errorf("check: %v, want %v", err, tc.want)
			}
			if _, err := access.UseLink(ctx, st, tc.token, tc.at); !errors.Is(err, tc.want) {
				t.Errorf("use: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestAuthenticateNamedAndLegacyTokens(t *testing.T) {
	ctx := context.Background()
	st, alice, gone := signInStore(t)
	legacy, h := access.NewToken()
	if err := st.CreateOrganizer(ctx, access.Organizer{ID: "org_old", Name: "Old", TokenHash: h, Created: now0}); err != nil {
		t.Fatal(err)
	}
	named, tok := access.NewNamedToken(alice, "sync", now0)
	goneTok, tok2 := access.NewNamedToken(gone, "sync", now0)
	for _, x := range []access.Token{tok, tok2} {
		if err := st.CreateToken(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	if o, err := access.Authenticate(ctx, st, legacy); err != nil || o.ID != "org_old" {
		t.Fatalf("legacy token: %+v %v", o, err)
	}
	if o, err := access.Authenticate(ctx, st, named); err != nil || o.ID != "org_alice" {
		t.Fatalf("named token: %+v %v", o, err)
	}
	if got, err := st.TokenByHash(ctx, tok.Hash); err != nil || got.LastUsed.IsZero() {
		t.Fatalf("last use not recorded: %+v %v", got, err)
	}
	if _, err := access.Authenticate(ctx, st, goneTok); !errors.Is(err, access.ErrUnauthorized) {
		t.Fatalf("token of a revoked organizer: %v", err)
	}
	if err := st.DeleteToken(ctx, "org_alice", tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := access.Authenticate(ctx, st, named); !errors.Is(err, access.ErrUnauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
}
