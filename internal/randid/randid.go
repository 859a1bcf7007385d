// Package randid makes every random identifier and token of majlis: event,
// item and source IDs, organizer and invitation IDs, join, organizer,
// registrant and caption tokens, member and instance IDs, room log epochs,
// store revisions and the signing secret; and the form a token is stored
// in (Hash). One maker, one encoding:
// crypto/rand bytes in lower-case base32 without padding (a–z and 2–7),
// which survive URLs, file names, Redis keys and being read out over a
// phone, after a prefix that says what the value is ("ev-", "mjj_").
//
// Functions are goroutine-safe and never fail: crypto/rand.Read does not
// return an error (since Go 1.24 it crashes the program instead, which is
// the only safe answer to a broken random source).
package randid

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// Sizes, in random bytes, for New's n.
const (
	// IDBytes is the size of an identifier (80 bits, 16 characters):
	// collisions do not happen among all the IDs a deployment makes, and
	// it is no secret.
	IDBytes = 10
	// TokenBytes is the size of a credential that only a machine handles
	// (256 bits, 52 characters): guessing one is hopeless.
	TokenBytes = 32
)

// Encoding writes the random bytes: the base32 alphabet of RFC 4648 in
// lower case, without padding.
var Encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// New returns prefix followed by n random bytes from crypto/rand, written
// in Encoding.
func New(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (see the package comment)
	return prefix + Encoding.EncodeToString(b)
}

// Len returns the length of what New(prefix, n) returns.
func Len(prefix string, n int) int { return len(prefix) + Encoding.EncodedLen(n) }

// Valid reports whether s has the shape of what New(prefix, n) returns:
// a check before any store is asked, not a proof that New made it.
func Valid(s, prefix string, n int) bool {
	if len(s) != Len(prefix, n) || !strings.HasPrefix(s, prefix) {
		return false
	}
	b, err := Encoding.DecodeString(s[len(prefix):])
	return err == nil && len(b) == n
}

// Hash returns the stored form of a token: its SHA-256 in hex, so that
// whoever reads a store learns no token from it.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
