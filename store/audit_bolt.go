package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
)

// bucketAudit holds the audit log (audit.Store), made on first write: keys
// are the bucket's sequence numbers, 8 bytes big-endian, so that the
// oldest entry is the first key.
var bucketAudit = []byte("audit")

// AppendAudit implements audit.Store. The entries beyond the newest keep
// are deleted in the same transaction: as keys are consecutive, their
// count is the newest key minus the oldest plus one.
func (b *Bolt) AppendAudit(ctx context.Context, e audit.Entry, keep int) error {
	if keep < 1 {
		return fmt.Errorf("store: audit: keep %d entries: %w", keep, agenda.ErrInvalid)
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: encode audit entry: %w", err)
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketAudit)
		if err != nil {
			return fmt.Errorf("store: audit bucket: %w", err)
		}
		seq, err := bk.NextSequence()
		if err != nil {
			return fmt.Errorf("store: audit sequence: %w", err)
		}
		if err := bk.Put(binary.BigEndian.AppendUint64(nil, seq), raw); err != nil {
			return fmt.Errorf("store: write audit entry: %w", err)
		}
		c := bk.Cursor()
		for k, _ := c.First(); k != nil && seq-binary.BigEndian.Uint64(k)+1 > uint64(keep); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return fmt.Errorf("store: drop old audit entry: %w", err)
			}
		}
		return nil
	})
}

// ListAudit implements audit.Store.
func (b *Bolt) ListAudit(ctx context.Context) ([]audit.Entry, error) {
	out := []audit.Entry{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketAudit)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var e audit.Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("store: decode audit entry %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
