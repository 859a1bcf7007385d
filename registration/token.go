package registration

import (
	"github.com/majlis/majlis/internal/randid"
)

// tokenPrefix marks majlis registrant links so that leaked ones are easy
// to grep for.
const tokenPrefix = "mjr_"

// NewToken returns a fresh random personal-link token (mjr_ and 52
// characters, 256 bits) and its hash. The token carries no personal data.
func NewToken() (token, hash string) {
	token = randid.New(tokenPrefix, randid.TokenBytes)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string { return randid.Hash(token) }

// IsToken reports whether token looks like a personal link (its prefix),
// so that a caller can tell it from other tokens before looking it up.
func IsToken(token string) bool {
	return len(token) > len(tokenPrefix) && token[:len(tokenPrefix)] == tokenPrefix
}

// wellFormed reports whether token could have come from NewToken.
func wellFormed(token string) bool {
	return randid.Valid(token, tokenPrefix, randid.TokenBytes)
}

// newID returns a random registration ID (r_ and 20 characters, 96 bits).
func newID() string { return randid.New("r_", 12) }
