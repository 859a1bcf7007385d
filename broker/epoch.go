package broker

import (
	"crypto/rand"
	"encoding/hex"
)

// newEpoch names a new room log (realtime.Position): random, so that a log
// started again, on any instance, never takes an earlier log's name.
func newEpoch() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
