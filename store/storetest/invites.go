package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

func testInvites(t *testing.T, o Opener) {
	s := open(t, o)
	_, h1 := access.NewInviteToken()
	_, h2 := access.NewInviteToken()
	_, h3 := access.NewInviteToken()
	_, h4 := access.NewInviteToken()
	_, oh := access.NewToken()
	if err := s.CreateOrganizer(ctx, access.Organizer{ID: "org_a", Name: "Head office", Region: agenda.RegionGlobal, TokenHash: oh, Created: base}); err != nil {
		t.Fatal(err)
	}
	interp := access.Invite{ID: "inv_1", Event: "consultation", EventCreated: base.Add(-time.Hour), Role: "interpreter", Name: "فاطمة الزهراء", Institution: "CNDH Maroc",
		Languages: []string{"fr", "en"}, Booth: "ar", Expires: base.Add(48 * time.Hour), By: "org_a", Created: base.Add(time.Minute), TokenHash: h1}
	host := access.Invite{ID: "inv_0", Event: "consultation", Role: "host", Name: "Chair", Expires: base.Add(24 * time.Hour), By: "org_a",
		Created: base, TokenHash: h2}
	other := access.Invite{ID: "inv_1", Event: "other", Role: "participant", Name: "Same ID, other event", Expires: base.Add(time.Hour),
		By: "org_a", Created: base, TokenHash: h3}
	tests := []struct {
		name    string
		inv     access.Invite
		wantErr error
	}{
		{"an interpreter", interp, nil},
		{"a host, created earlier", host, nil},
		{"the same ID for another event", other, nil},
		{"duplicate ID", access.Invite{ID: "inv_1", Event: "consultation", Role: "host", Name: "x", By: "org_a", TokenHash: h4}, agenda.ErrConflict},
		{"duplicate token hash", access.Invite{ID: "inv_9", Event: "consultation", Role: "host", Name: "x", By: "org_a", TokenHash: h1}, agenda.ErrConflict},
		{"no token hash", access.Invite{ID: "inv_8", Event: "consultation", Role: "host", Name: "x", By: "org_a"}, agenda.ErrInvalid},
		{"no ID", access.Invite{Event: "consultation", Role: "host", Name: "x", By: "org_a", TokenHash: h4}, agenda.ErrInvalid},
		{"no event", access.Invite{ID: "inv_7", Role: "host", Name: "x", By: "org_a", TokenHash: h4}, agenda.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run("create: "+tc.name, func(t *testing.T) {
			wantErr(t, "create invitation", s.CreateInvite(ctx, tc.inv), tc.wantErr)
		})
	}
	same := func(t *testing.T, got, want access.Invite) {
		t.Helper()
		if got.ID != want.ID || got.Event != want.Event || !got.EventCreated.Equal(want.EventCreated) || got.Role != want.Role || got.Name != want.Name ||
			got.Institution != want.Institution || !slices.Equal(got.Languages, want.Languages) || got.Booth != want.Booth ||
			!got.Expires.Equal(want.Expires) || got.By != want.By || !got.Created.Equal(want.Created) ||
			got.Revoked != want.Revoked || got.TokenHash != want.TokenHash || !got.LastJoined.Equal(want.LastJoined) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	}
	t.Run("by token hash", func(t *testing.T) {
		got, err := s.InviteByTokenHash(ctx, h1)
		if err != nil {
			t.Fatal(err)
		}
		same(t, got, interp)
		_, err = s.InviteByTokenHash(ctx, h4)
		wantErr(t, "refused duplicates left no trace", err, access.ErrNotFound)
	})
	t.Run("list per event, by creation", func(t *testing.T) {
		list, err := s.ListInvites(ctx, "consultation")
		if err != nil || len(list) != 2 {
			t.Fatalf("list: %v %+v", err, list)
		}
		same(t, list[0], host)
		same(t, list[1], interp)
		none, err := s.ListInvites(ctx, "consult")
		if err != nil || len(none) != 0 {
			t.Fatalf("an event whose ID is a prefix: %v %+v", err, none)
		}
	})
	t.Run("joined", func(t *testing.T) {
		at := base.Add(90 * time.Minute)
		if err := s.InviteJoined(ctx, "consultation", "inv_1", at); err != nil {
			t.Fatal(err)
		}
		got, err := s.InviteByTokenHash(ctx, h1)
		if err != nil || !got.LastJoined.Equal(at) {
			t.Fatalf("last joined: %v %v", err, got.LastJoined)
		}
		interp.LastJoined = at
		if o, _ := s.InviteByTokenHash(ctx, h3); !o.LastJoined.IsZero() {
			t.Fatal("the same ID for another event joined too")
		}
	})
	t.Run("revoke", func(t *testing.T) {
		got, err := s.RevokeInvite(ctx, "consultation", "inv_1")
		if err != nil || !got.Revoked {
			t.Fatalf("revoke: %v %+v", err, got)
		}
		interp.Revoked = true
		byHash, err := s.InviteByTokenHash(ctx, h1)
		if err != nil {
			t.Fatal(err)
		}
		same(t, byHash, interp)
		if o, _ := s.InviteByTokenHash(ctx, h3); o.Revoked {
			t.Fatal("revoking one event's inv_1 revoked another's")
		}
		if _, err := s.RevokeInvite(ctx, "consultation", "inv_1"); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		_, err = s.RevokeInvite(ctx, "consultation", "inv_zz")
		wantErr(t, "revoke missing", err, access.ErrNotFound)
		_, err = s.RevokeInvite(ctx, "nowhere", "inv_1")
		wantErr(t, "revoke through another event", err, access.ErrNotFound)
	})
	t.Run("organizer by ID", func(t *testing.T) {
		got, err := s.GetOrganizer(ctx, "org_a")
		if err != nil || got.ID != "org_a" || got.TokenHash != oh || got.Revoked {
			t.Fatalf("get: %v %+v", err, got)
		}
		_, err = s.GetOrganizer(ctx, "org_zz")
		wantErr(t, "missing organizer", err, access.ErrNotFound)
	})
}
