package broker

import "github.com/majlis/majlis/internal/randid"

// newEpoch returns a new epoch for a room's log: 128 random bits in 26
// characters, so that a log that was lost and started again never shares
// one with its predecessor.
func newEpoch() string { return randid.New("", 16) }
