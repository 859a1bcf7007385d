package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// invitePrefix marks room join tokens.
const invitePrefix = "mjj_"

// MaxInviteToken bounds the length of a join token accepted from a URL.
const MaxInviteToken = 2048

// Invite is what a join token grants: one person, one event's room, one
// role, until it expires. It is signed, not stored: it cannot be revoked
// one by one, so it is short-lived and a host can remove (and ban) its
// holder from the room.
type Invite struct {
	// ID names the invitation; it is the subject a removal bans.
	ID          string   `json:"id"`
	Event       string   `json:"ev"`
	Role        string   `json:"role"`
	Name        string   `json:"name"`
	Institution string   `json:"inst,omitempty"`
	Languages   []string `json:"langs,omitempty"`
	// Booth is an interpreter's target language.
	Booth   string    `json:"booth,omitempty"`
	Expires time.Time `json:"exp"`
	// By is the organizer who issued it.
	By string `json:"by"`
}

// ErrBadInvite is returned for a join token that is malformed, forged,
// for another event, or expired.
var ErrBadInvite = errors.New("access: invalid or expired join token")

// SignInvite returns the join token for inv, signed with secret.
func SignInvite(secret []byte, inv Invite) string {
	payload, err := json.Marshal(inv)
	if err != nil {
		panic("access: encode invite: " + err.Error())
	}
	p := base64.RawURLEncoding.EncodeToString(payload)
	return invitePrefix + p + "." + base64.RawURLEncoding.EncodeToString(inviteMAC(secret, p))
}

func inviteMAC(secret []byte, payload string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("majlis-join\x00"))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// IsInvite reports whether token looks like a join token.
func IsInvite(token string) bool { return strings.HasPrefix(token, invitePrefix) }

// ParseInvite checks a join token's signature and expiry and returns what
// it grants.
func ParseInvite(secret []byte, token string, now time.Time) (Invite, error) {
	if len(token) > MaxInviteToken {
		return Invite{}, ErrBadInvite
	}
	rest, ok := strings.CutPrefix(token, invitePrefix)
	if !ok {
		return Invite{}, ErrBadInvite
	}
	p, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return Invite{}, ErrBadInvite
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, inviteMAC(secret, p)) {
		return Invite{}, ErrBadInvite
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Invite{}, ErrBadInvite
	}
	var inv Invite
	if err := json.Unmarshal(payload, &inv); err != nil || inv.ID == "" || inv.Event == "" {
		return Invite{}, ErrBadInvite
	}
	if !now.Before(inv.Expires) {
		return Invite{}, ErrBadInvite
	}
	return inv, nil
}
