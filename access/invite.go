package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/randid"
)

// invitePrefix marks room join tokens.
const invitePrefix = "mjj_"

// inviteBytes is the randomness of a join token: 16 bytes (128 bits), 26
// characters after the prefix, short enough to type on a phone.
const inviteBytes = 16

// MaxInviteToken bounds the length of a join token accepted from a URL or
// typed by a person (a canonical token has 30 characters; dashes and
// spaces between groups are allowed).
const MaxInviteToken = 64

// Invite is an invitation: what a join token grants, one person, one
// event's room, one role, until it expires. The token itself is a random
// secret that carries nothing readable; only its hash is stored, with the
// invitation. An invitation stops working when it expires, when it is
// revoked, or when the organizer who issued it is revoked.
type Invite struct {
	// ID names the invitation; it is the subject a removal bans.
	ID    string `json:"id"`
	Event string `json:"event"`
	// EventCreated is when the event was created: an event removed and
	// made again under the same ID is another event, which the
	// invitation does not open.
	EventCreated time.Time `json:"event_created"`
	Role         string    `json:"role"`
	Name         string    `json:"name"`
	Institution  string    `json:"institution,omitempty"`
	Languages    []string  `json:"languages,omitempty"`
	// Booth is an interpreter's target language.
	Booth string `json:"booth,omitempty"`
	// Expires is an expiry chosen when the invitation was issued; zero
	// for the default, the end of the event plus InviteMargin. Either way
	// the invitation ends by then (see ExpiresFor).
	Expires time.Time `json:"expires,omitzero"`
	// By is the organizer who issued it.
	By      string    `json:"by"`
	Created time.Time `json:"created"`
	// Revoked is set once an organizer revokes the invitation.
	Revoked bool `json:"revoked"`
	// LastJoined is when the token last opened the room; zero if never.
	LastJoined time.Time `json:"last_joined,omitzero"`
	// FirstJoined is when the token first opened the room; zero if never.
	// The store keeps it beside LastJoined and never moves it.
	FirstJoined time.Time `json:"first_joined,omitzero"`
	// Replaces is the invitation this one was resent for (a fresh token
	// for the same person; the old one is revoked).
	Replaces string `json:"replaces,omitempty"`
	// TokenHash is the hex SHA-256 of the join token; the token itself is
	// never stored.
	TokenHash string `json:"-"`
}

// Invitation states, as organizers see them (Invite.State).
const (
	InviteWaiting = "invited"
	InviteJoined  = "joined"
	InviteRemoved = "removed"
)

// State is where the invitation stands: removed once revoked, joined once
// its token opened the room, invited before.
func (inv Invite) State() string {
	switch {
	case inv.Revoked:
		return InviteRemoved
	case !inv.FirstJoined.IsZero():
		return InviteJoined
	}
	return InviteWaiting
}

// InviteMargin is how long after its event ends an invitation still
// works: a session that runs late, a booth that stays to wrap up.
const InviteMargin = 24 * time.Hour

// ExpiresFor returns when the invitation stops working for e, its event:
// its own expiry if it has one, at the latest the end of e (as it is now,
// so an invitation follows its event when it moves) plus InviteMargin.
func (inv Invite) ExpiresFor(e agenda.Event) time.Time {
	limit := e.End.Add(InviteMargin)
	if !inv.Expires.IsZero() && inv.Expires.Before(limit) {
		return inv.Expires
	}
	return limit
}

// InviteStore keeps invitations. Implementations live in package store.
type InviteStore interface {
	// CreateInvite stores a new invitation with its TokenHash; a
	// duplicate ID or token hash fails with an ErrConflict-like error.
	CreateInvite(ctx context.Context, inv Invite) error
	// InviteByTokenHash finds an invitation by the hash of its token,
	// revoked ones included, or ErrNotFound.
	InviteByTokenHash(ctx context.Context, hash string) (Invite, error)
	// ListInvites returns the invitations to an event, ordered by
	// creation time, then ID.
	ListInvites(ctx context.Context, event string) ([]Invite, error)
	// RevokeInvite marks an event's invitation revoked and returns it, or
	// ErrNotFound. Revoking twice is not an error.
	RevokeInvite(ctx context.Context, event, id string) (Invite, error)
	// InviteJoined records that an invitation's token opened its room at
	// at: its LastJoined, and its FirstJoined if it has none yet; a
	// missing invitation is not an error.
	InviteJoined(ctx context.Context, event, id string, at time.Time) error
	// GetOrganizer returns an organizer by ID, revoked ones included, or
	// ErrNotFound.
	GetOrganizer(ctx context.Context, id string) (Organizer, error)
}

// ErrBadInvite is returned for a join token that is malformed, unknown,
// revoked, issued by a revoked organizer, for another event, or expired.
var ErrBadInvite = errors.New("access: invalid or expired join token")

// NewInviteToken returns a fresh join token (mjj_ and 26 base32
// characters, 128 random bits) and its hash.
func NewInviteToken() (token, hash string) {
	token = randid.New(invitePrefix, inviteBytes)
	return token, HashToken(token)
}

// IsInvite reports whether token looks like a join token.
func IsInvite(token string) bool {
	return len(token) > len(invitePrefix) && strings.EqualFold(token[:len(invitePrefix)], invitePrefix)
}

// canonicalInvite returns token in its canonical form (lower case, no
// dashes or spaces), or false if it cannot be a join token.
func canonicalInvite(token string) (string, bool) {
	if len(token) > MaxInviteToken || !IsInvite(token) {
		return "", false
	}
	var b strings.Builder
	b.WriteString(invitePrefix)
	for _, r := range token[len(invitePrefix):] {
		switch {
		case r == '-' || r == ' ':
		case r >= 'a' && r <= 'z', r >= '2' && r <= '7':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		default:
			return "", false
		}
	}
	if b.Len() != randid.Len(invitePrefix, inviteBytes) {
		return "", false
	}
	return b.String(), true
}

// Admit checks a join token for the event e and returns the invitation
// it holds: the token must be known, its invitation for e (this very
// event, not an earlier one of the same ID), not revoked, not expired
// (ExpiresFor), and its issuer an organizer who is not revoked. The store
// is asked every time, so a revocation works at once on every instance
// that shares it. Any refusal is ErrBadInvite; other errors are the
// store's.
func Admit(ctx context.Context, s InviteStore, token string, e agenda.Event, now time.Time) (Invite, error) {
	canon, ok := canonicalInvite(token)
	if !ok {
		return Invite{}, ErrBadInvite
	}
	inv, err := s.InviteByTokenHash(ctx, HashToken(canon))
	if errors.Is(err, ErrNotFound) {
		return Invite{}, ErrBadInvite
	}
	if err != nil {
		return Invite{}, fmt.Errorf("access: find invitation: %w", err)
	}
	if inv.Event != e.ID || !inv.EventCreated.Equal(e.Created) || inv.Revoked || !now.Before(inv.ExpiresFor(e)) {
		return Invite{}, ErrBadInvite
	}
	o, err := s.GetOrganizer(ctx, inv.By)
	if errors.Is(err, ErrNotFound) || (err == nil && o.Revoked) {
		return Invite{}, ErrBadInvite
	}
	if err != nil {
		return Invite{}, fmt.Errorf("access: find the issuer of an invitation: %w", err)
	}
	return inv, nil
}
