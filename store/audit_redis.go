package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
)

// The audit log (audit.Store) is one list under the prefix P, newest
// first:
//
//	P audit  list: entry JSON
//
// An append pushes and trims in one MULTI/EXEC transaction, so the list
// never holds more than the newest keep entries.

func (r *Redis) auditKey() string { return r.prefix() + "audit" }

// AppendAudit implements audit.Store.
func (r *Redis) AppendAudit(ctx context.Context, e audit.Entry, keep int) error {
	if keep < 1 {
		return fmt.Errorf("store: audit: keep %d entries: %w", keep, agenda.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	raw, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: encode audit entry: %w", err)
	}
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, r.auditKey(), raw)
		p.LTrim(ctx, r.auditKey(), 0, int64(keep-1))
		return nil
	}); err != nil {
		return r.fail("append audit entry", err)
	}
	return nil
}

// ListAudit implements audit.Store.
func (r *Redis) ListAudit(ctx context.Context) ([]audit.Entry, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	raws, err := r.client.LRange(ctx, r.auditKey(), 0, -1).Result()
	if err != nil {
		return nil, r.fail("list audit entries", err)
	}
	out := make([]audit.Entry, 0, len(raws))
	for i, raw := range raws {
		var e audit.Entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("store: decode audit entry %d: %w", i, err)
		}
		out = append(out, e)
	}
	return out, nil
}
