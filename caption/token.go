package caption

import (
	"crypto/subtle"
	"net/url"
	"strings"
	"time"

	"github.com/majlis/majlis/internal/randid"
)

// Limits on caption tokens.
const (
	// MaxLabelRunes bounds a token's label.
	MaxLabelRunes = 100
	// MaxTokensPerEvent bounds the caption tokens of one event.
	MaxTokensPerEvent = 50
	// MaxTokenLifetime bounds how long a token is valid.
	MaxTokenLifetime = 60 * 24 * time.Hour
	// DefaultTokenLifetime is a new token's lifetime when none is given.
	DefaultTokenLifetime = 7 * 24 * time.Hour
)

// secretPrefix marks majlis caption token secrets so that leaked ones are
// easy to grep for; the rest is 256 random bits in 52 characters
// (randid.New with randid.TokenBytes).
const secretPrefix = "mjc_"

// Token is a caption token: it lets whoever holds its secret post captions
// to one channel of one event until it expires or is revoked. The secret
// itself is never stored; only its Hash.
type Token struct {
	// ID is the token's public identifier ("ctk_…", random, no personal
	// data): it names the token in lists and revocations, and in the
	// sequence rule's key. It is not a credential.
	ID string `json:"id"`
	// Event is the event's ID.
	Event string `json:"event"`
	// Channel is "floor" or a language code.
	Channel string `json:"channel"`
	// Label says who holds it ("CART provider", "ASR fr"); optional.
	Label string `json:"label,omitempty"`
	// Hash is the hex SHA-256 of the secret.
	Hash string `json:"-"`
	// Created is when the token was made (UTC).
	Created time.Time `json:"created"`
	// Expires is when it stops working (UTC).
	Expires time.Time `json:"expires"`
	// Revoked is set once an organizer revokes it; it never works again.
	Revoked bool `json:"revoked"`
}

// HashSecret is the stored form of a caption token's secret.
func HashSecret(secret string) string { return randid.Hash(secret) }

// newSecret returns a fresh secret (256 random bits) and a fresh token ID
// (80 random bits).
func newSecret() (secret, id string) {
	return randid.New(secretPrefix, randid.TokenBytes), randid.New("ctk_", randid.IDBytes)
}

// wellFormed reports whether secret has the shape of a caption token
// secret, before any store is asked.
func wellFormed(secret string) bool {
	return randid.Valid(secret, secretPrefix, randid.TokenBytes)
}

// Admits reports whether t lets its holder post to channel of event at
// now. It is the one check behind ErrUnauthorized: every "no" looks the
// same to the caller.
func (t Token) Admits(event, channel string, now time.Time) bool {
	ok := subtle.ConstantTimeCompare([]byte(t.Event), []byte(event)) &
		subtle.ConstantTimeCompare([]byte(t.Channel), []byte(channel))
	return ok == 1 && !t.Revoked && now.Before(t.Expires)
}

// SecretFrom returns the caption token secret a request carries: in an
// "Authorization: Bearer …" header, or in the URL's "token" parameter as
// Zoom's captioning URLs carry theirs. Given both, they must agree;
// given the parameter twice, or none, it returns ErrUnauthorized.
func SecretFrom(authorization string, query url.Values) (string, error) {
	var header string
	if authorization != "" {
		scheme, rest, ok := strings.Cut(authorization, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return "", ErrUnauthorized
		}
		header = strings.TrimSpace(rest)
	}
	vs := query["token"]
	if len(vs) > 1 {
		return "", ErrUnauthorized
	}
	switch {
	case header != "" && len(vs) == 1 && vs[0] != header:
		return "", ErrUnauthorized
	case header != "":
		return header, nil
	case len(vs) == 1 && vs[0] != "":
		return vs[0], nil
	}
	return "", ErrUnauthorized
}

// IsSecret reports whether s has a caption token secret's prefix, so that
// a server can tell it from its other bearer tokens before checking it.
func IsSecret(s string) bool { return strings.HasPrefix(s, secretPrefix) }
