package access_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
)

func TestInviteTokensAreOpaque(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		token, hash := access.NewInviteToken()
		if !regexp.MustCompile(`^mjj_[a-z2-7]{26}$`).MatchString(token) {
			t.Fatalf("token %q: want mjj_ and 26 base32 characters", token)
		}
		if hash != access.HashToken(token) || seen[token] {
			t.Fatalf("token %q: hash %q or repeated", token, hash)
		}
		seen[token] = true
	}
}

func TestAdmit(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2027, 1, 20, 6, 0, 0, 0, time.UTC)
	for _, id := range []string{"org_1", "org_gone"} {
		_, h := access.NewToken()
		if err := st.CreateOrganizer(ctx, access.Organizer{ID: id, Name: id, Region: agenda.RegionAfrica, TokenHash: h, Created: now}); err != nil {
			t.Fatal(err)
		}
	}
	issue := func(id, by string, expires time.Time) string {
		token, hash := access.NewInviteToken()
		inv := access.Invite{ID: id, Event: "nanhri-webinar", Role: "interpreter", Name: "Fatou Diop", Institution: "CNDH Sénégal",
			Languages: []string{"fr", "en"}, Booth: "ar", Expires: expires, By: by, Created: now, TokenHash: hash}
		if err := st.CreateInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
		return token
	}
	good := issue("inv_good", "org_1", now.Add(time.Hour))
	revoked := issue("inv_revoked", "org_1", now.Add(time.Hour))
	if _, err := st.RevokeInvite(ctx, "nanhri-webinar", "inv_revoked"); err != nil {
		t.Fatal(err)
	}
	byGone := issue("inv_by_gone", "org_gone", now.Add(time.Hour))
	if err := st.RevokeOrganizer(ctx, "org_gone"); err != nil {
		t.Fatal(err)
	}
	byNobody := issue("inv_by_nobody", "org_nobody", now.Add(time.Hour))
	expired := issue("inv_expired", "org_1", now)
	eventBound := issue("inv_event_bound", "org_1", time.Time{})
	ev := agenda.Event{ID: "nanhri-webinar", Start: now.Add(-time.Hour), End: now.Add(90 * 24 * time.Hour)}

	inv, err := access.Admit(ctx, st, good, ev, now)
	if err != nil || inv.ID != "inv_good" || inv.Name != "Fatou Diop" || inv.Booth != "ar" || inv.Role != "interpreter" {
		t.Fatalf("admit: %+v %v", inv, err)
	}
	spaced := strings.ToUpper(good[:4]) + good[4:9] + "-" + strings.ToUpper(good[9:17]) + " " + good[17:]
	if inv, err := access.Admit(ctx, st, spaced, ev, now); err != nil || inv.ID != "inv_good" {
		t.Fatalf("typed in groups, in capitals: %+v %v", inv, err)
	}
	bad := map[string]string{
		"revoked invitation":        revoked,
		"issuer revoked":            byGone,
		"issuer unknown":            byNobody,
		"expired":                   expired,
		"unknown token":             "mjj_" + strings.Repeat("a", 26),
		"one character short":       good[:len(good)-1],
		"not base32":                good[:len(good)-1] + "1",
		"an organizer token":        "mjo_" + good[4:],
		"huge":                      "mjj_" + strings.Repeat("-", access.MaxInviteToken),
		"the old signed JSON shape": "mjj_eyJpZCI6Imludi0xIn0.c2ln",
	}
	for name, tok := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := access.Admit(ctx, st, tok, ev, now); !errors.Is(err, access.ErrBadInvite) {
				t.Errorf("%v, want ErrBadInvite", err)
			}
		})
	}
	t.Run("another event", func(t *testing.T) {
		other := ev
		other.ID = "other-webinar"
		if _, err := access.Admit(ctx, st, good, other, now); !errors.Is(err, access.ErrBadInvite) {
			t.Errorf("%v, want ErrBadInvite", err)
		}
	})
	// Without an expiry of its own, an invitation lasts until its event
	// ends plus the margin, however far away, and follows the event.
	t.Run("until the event ends, plus the margin", func(t *testing.T) {
		for _, tc := range []struct {
			at time.Time
			ok bool
		}{
			{now.Add(60 * 24 * time.Hour), true},
			{ev.End.Add(access.InviteMargin - time.Second), true},
			{ev.End.Add(access.InviteMargin), false},
		} {
			if _, err := access.Admit(ctx, st, eventBound, ev, tc.at); (err == nil) != tc.ok {
				t.Errorf("at %v: %v, want ok %v", tc.at, err, tc.ok)
			}
		}
		moved := ev
		moved.End = now.Add(time.Hour)
		if _, err := access.Admit(ctx, st, eventBound, moved, now.Add(60*24*time.Hour)); !errors.Is(err, access.ErrBadInvite) {
			t.Errorf("after the event moved earlier: %v", err)
		}
		if _, err := access.Admit(ctx, st, good, moved, now.Add(30*time.Minute)); err != nil {
			t.Errorf("an explicit expiry before the event ends: %v", err)
		}
	})
}
