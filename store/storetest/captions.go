package storetest

import (
	"testing"

	"github.com/majlis/majlis/caption"
	"github.com/majlis/majlis/caption/captiontest"
)

// testCaptions runs caption's own conformance suite (caption.Store) on
// the store.
func testCaptions(t *testing.T, o Opener) {
	captiontest.Run(t, func(t *testing.T) caption.Store { return open(t, o) })
}
