package store

import bolt "go.etcd.io/bbolt"

// BoltDump returns every record of a Bolt store, keyed "bucket/key", for
// the conformance suites that check what is stored.
func BoltDump(b *Bolt) map[string][]byte {
	out := map[string][]byte{}
	_ = b.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			return bk.ForEach(func(k, v []byte) error {
				out[string(name)+"/"+string(k)] = append([]byte(nil), v...)
				return nil
			})
		})
	})
	return out
}
