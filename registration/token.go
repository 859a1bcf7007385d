package registration

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// tokenPrefix marks majlis registrant links so that leaked ones are easy
// to grep for.
const tokenPrefix = "mjr_"

// tokenLen is the length of a token: the prefix and 32 random bytes
// (256 bits) in unpadded base64url.
var tokenLen = len(tokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// NewToken returns a fresh random personal-link token (256 bits) and its
// hash. The token carries no personal data.
func NewToken() (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("registration: no randomness: " + err.Error())
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// wellFormed reports whether token could have come from NewToken.
func wellFormed(token string) bool {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(token[len(tokenPrefix):])
	return err == nil && len(b) == 32
}

// newID returns a random registration ID (96 bits, URL-safe).
func newID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("registration: no randomness: " + err.Error())
	}
	return "r_" + base64.RawURLEncoding.EncodeToString(b[:])
}
