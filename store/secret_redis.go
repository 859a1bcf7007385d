package store

import (
	"context"
	"fmt"

	"github.com/majlis/majlis/internal/randid"
)

// secretSize is the length of the secret Secret makes.
const secretSize = 32

// Secret returns the deployment's token-signing secret (private feed URLs;
// join tokens are stored invitations instead), kept under P+"secret" so
// that every instance of a scale-out deployment signs and checks with the
// same one. The first caller makes it (256 random bits in 52 characters, SET NX: of
// instances starting together, one wins and all read its secret). Deleting
// the key invalidates every issued URL, as deleting the embedded
// deployment's secret file does.
func (r *Redis) Secret(ctx context.Context) ([]byte, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	fresh := []byte(randid.New("", secretSize))
	key := r.k.secret
	if err := r.client.SetNX(ctx, key, fresh, 0).Err(); err != nil {
		return nil, r.fail("set secret", err)
	}
	b, err := r.client.Get(ctx, key).Bytes()
	if err != nil {
		return nil, r.fail("get secret", err)
	}
	if len(b) < secretSize {
		return nil, fmt.Errorf("store: redis key %s holds %d bytes, want at least %d (delete it to make a new one; issued feed URLs then stop working)", key, len(b), secretSize)
	}
	return b, nil
}
