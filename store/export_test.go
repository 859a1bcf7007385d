package store

import (
	"context"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Dump returns every record of the store as "bucket/key" → stored bytes,
// nested buckets flattened: what an operator reading the file sees.
func (b *Bolt) Dump() map[string][]byte {
	out := map[string][]byte{}
	var walk func(prefix string, bk *bolt.Bucket) error
	walk = func(prefix string, bk *bolt.Bucket) error {
		return bk.ForEach(func(k, v []byte) error {
			if v == nil {
				return walk(prefix+string(k)+"/", bk.Bucket(k))
			}
			out[prefix+string(k)] = slices.Clone(v)
			return nil
		})
	}
	err := b.view(context.Background(), func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error { return walk(string(name)+"/", bk) })
	})
	if err != nil {
		panic(err)
	}
	return out
}

// BoltDump is b.Dump, for the suites that take a dump function.
func BoltDump(b *Bolt) map[string][]byte { return b.Dump() }
