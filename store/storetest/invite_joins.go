package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/store"
)

// testInviteFirstJoin: the store keeps when an invitation first opened its
// room, never moved by later joins, beside when it last did; an invitation
// that never joined has neither; a revoked one says removed.
func testInviteFirstJoin(t *testing.T, o Opener) {
	s := open(t, o)
	_, h1 := access.NewInviteToken()
	_, h2 := access.NewInviteToken()
	speaker := access.Invite{ID: "inv_s", Event: "webinar", Role: "speaker", Name: "Speaker", By: "org_a", Created: base, TokenHash: h1}
	observer := access.Invite{ID: "inv_o", Event: "webinar", Role: "observer", Name: "Observer", By: "org_a", Created: base, TokenHash: h2, Replaces: "inv_old"}
	for _, inv := range []access.Invite{speaker, observer} {
		if err := s.CreateInvite(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	first, second, third := base.Add(time.Minute), base.Add(time.Hour), base.Add(2*time.Hour)
	for _, at := range []time.Time{first, second, third} {
		if err := s.InviteJoined(ctx, "webinar", "inv_s", at); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name        string
		got         func() (access.Invite, error)
		first, last time.Time
		state       string
		replaces    string
	}{
		{name: "by token, joined three times", got: func() (access.Invite, error) { return s.InviteByTokenHash(ctx, h1) },
			first: first, last: third, state: access.InviteJoined},
		{name: "by token, never joined", got: func() (access.Invite, error) { return s.InviteByTokenHash(ctx, h2) },
			state: access.InviteWaiting, replaces: "inv_old"},
		{name: "listed, joined", got: func() (access.Invite, error) { return listed(s, "inv_s") },
			first: first, last: third, state: access.InviteJoined},
		{name: "revoked after joining", got: func() (access.Invite, error) { return s.RevokeInvite(ctx, "webinar", "inv_s") },
			first: first, last: third, state: access.InviteRemoved},
		{name: "listed after revoking", got: func() (access.Invite, error) { return listed(s, "inv_s") },
			first: first, last: third, state: access.InviteRemoved},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			if !got.FirstJoined.Equal(tc.first) || !got.LastJoined.Equal(tc.last) || got.State() != tc.state || got.Replaces != tc.replaces {
				t.Fatalf("first %v last %v state %q replaces %q; want %v %v %q %q", got.FirstJoined, got.LastJoined, got.State(), got.Replaces,
					tc.first, tc.last, tc.state, tc.replaces)
			}
		})
	}
}

// listed finds the invitation id to "webinar" in its event's list.
func listed(s store.Store, id string) (access.Invite, error) {
	all, err := s.ListInvites(ctx, "webinar")
	if err != nil {
		return access.Invite{}, err
	}
	for _, inv := range all {
		if inv.ID == id {
			return inv, nil
		}
	}
	return access.Invite{}, fmt.Errorf("storetest: %s not listed in %+v", id, all)
}
