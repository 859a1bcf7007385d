package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/calendar"
)

// Regional sync (calendar.Store) keeps, under the prefix P:
//
//	P sources              hash: source ID → source JSON (with its version)
//	P sources:status       hash: source ID → status JSON
//	P sources:pushes:{id}  hash: event ID → push record JSON
//	P sources:lease:{id}   string: the instance syncing the source (expires)

var _ calendar.Store = (*Redis)(nil)

func (r *Redis) prefix() string { return strings.TrimSuffix(r.k.secret, "secret") }

func (r *Redis) sourceKeys(id string) []string {
	p := r.prefix()
	return []string{p + "sources", p + "sources:status", p + "sources:pushes:" + id, p + "sources:lease:" + id}
}

// PutSource implements calendar.Store.
func (r *Redis) PutSource(ctx context.Context, s calendar.Source, ifVersion int64) (calendar.Source, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return calendar.Source{}, err
	}
	defer end()
	if s.ID == "" {
		return calendar.Source{}, fmt.Errorf("store: source without an ID: %w", agenda.ErrInvalid)
	}
	st, err := r.sources.encodeSource(s, 0)
	if err != nil {
		return calendar.Source{}, err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return calendar.Source{}, fmt.Errorf("store: encode source %q: %w", s.ID, err)
	}
	body = dropVersion(body)
	res, err := r.run(ctx, scriptPutVersioned, r.sourceKeys(s.ID)[:1],
		s.ID,
		ifVersion,
		body,
		"source",
	)
	if err != nil {
		return calendar.Source{}, r.fail(fmt.Sprintf("put source %q", s.ID), err)
	}
	if res.status != "ok" {
		return calendar.Source{}, writeError(res, "put source", s.ID, ifVersion)
	}
	return r.sources.decodeSource(stamp(res.version, body))
}

// decodeNoting decodes stored sources, noting in plain (by ID) those
// whose password an older majlis stored in plain text.
func (r *Redis) decodeNoting(plain map[string][]byte) func([]byte) (calendar.Source, error) {
	return func(raw []byte) (calendar.Source, error) {
		s, isPlain, err := r.sources.decodeStored(raw)
		if err == nil && isPlain {
			plain[s.ID] = raw
		}
		return s, err
	}
}

// sealPlain seals the plain passwords of the sources read (ID → stored
// value), each only if its stored value did not change since: at most
// once, and a failure leaves it for the next read. Without a key
// (RedisConfig.SourceKey) they stay as they are.
func (r *Redis) sealPlain(ctx context.Context, plain map[string][]byte) {
	if r.sources == nil {
		return
	}
	for id, raw := range plain {
		s, _, err := r.sources.decodeStored(raw)
		if err != nil {
			continue
		}
		st, err := r.sources.encodeSource(s, 0)
		if err != nil {
			continue
		}
		body, err := json.Marshal(st)
		if err != nil {
			continue
		}
		end, err := r.begin(ctx)
		if err != nil {
			return
		}
		_ = scriptSwap.Run(ctx, r.client, r.sourceKeys(id)[:1],
			id,
			raw,
			stamp(s.Version, dropVersion(body)),
		).Err()
		end()
	}
}

// dropVersion removes the zero "_version" an encoding ends with, so that
// stamp can put the real one first.
func dropVersion(body []byte) []byte {
	const tail = `,"_version":0}`
	if s := string(body); strings.HasSuffix(s, tail) {
		return append([]byte(s[:len(s)-len(tail)]), '}')
	}
	return body
}

// GetSource implements calendar.Store.
func (r *Redis) GetSource(ctx context.Context, id string) (calendar.Source, error) {
	plain := map[string][]byte{}
	s, err := get(ctx, r, r.sourceKeys(id)[0], "source", id, r.decodeNoting(plain))
	if err == nil {
		r.sealPlain(ctx, plain)
	}
	return s, err
}

// ListSources implements calendar.Store: ordered by ID.
func (r *Redis) ListSources(ctx context.Context) ([]calendar.Source, error) {
	plain := map[string][]byte{}
	out, err := all(ctx, r, r.sourceKeys("")[0], "source", r.decodeNoting(plain))
	if err != nil {
		return nil, err
	}
	r.sealPlain(ctx, plain)
	slices.SortFunc(out, func(x, y calendar.Source) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// DeleteSource implements calendar.Store.
func (r *Redis) DeleteSource(ctx context.Context, id string, ifVersion int64) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	res, err := r.run(ctx, scriptDeleteSource, r.sourceKeys(id),
		id,
		ifVersion,
	)
	if err != nil {
		return r.fail(fmt.Sprintf("delete source %q", id), err)
	}
	if res.status != "ok" {
		return writeError(res, "delete source", id, ifVersion)
	}
	return nil
}

// GetStatus implements calendar.Store.
func (r *Redis) GetStatus(ctx context.Context, id string) (calendar.Status, error) {
	st, err := get(ctx, r, r.sourceKeys(id)[1], "status", id, func(raw []byte) (calendar.Status, error) {
		var st calendar.Status
		return st, json.Unmarshal(raw, &st)
	})
	if errors.Is(err, agenda.ErrNotFound) {
		return calendar.Status{}, nil
	}
	return st, err
}

// PutStatus implements calendar.Store.
func (r *Redis) PutStatus(ctx context.Context, id string, st calendar.Status) error {
	return r.hset(ctx, r.sourceKeys(id)[1], id, "status", st)
}

// hset stores v as JSON in a hash field.
func (r *Redis) hset(ctx context.Context, key, field, what string, v any) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if field == "" {
		return fmt.Errorf("store: %s without an ID: %w", what, agenda.ErrInvalid)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s %q: %w", what, field, err)
	}
	if err := r.client.HSet(ctx, key, field, body).Err(); err != nil {
		return r.fail(fmt.Sprintf("put %s %q", what, field), err)
	}
	return nil
}

// ListPushes implements calendar.Store: ordered by event ID.
func (r *Redis) ListPushes(ctx context.Context, sourceID string) ([]calendar.Push, error) {
	out, err := all(ctx, r, r.sourceKeys(sourceID)[2], "push", decodePush)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y calendar.Push) int { return strings.Compare(x.EventID, y.EventID) })
	return out, nil
}

// PutPush implements calendar.Store.
func (r *Redis) PutPush(ctx context.Context, sourceID string, p calendar.Push) error {
	if sourceID == "" {
		return fmt.Errorf("store: push without a source: %w", agenda.ErrInvalid)
	}
	return r.hset(ctx, r.sourceKeys(sourceID)[2], p.EventID, "push", p)
}

// DeletePush implements calendar.Store.
func (r *Redis) DeletePush(ctx context.Context, sourceID, eventID string) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if err := r.client.HDel(ctx, r.sourceKeys(sourceID)[2], eventID).Err(); err != nil {
		return r.fail(fmt.Sprintf("delete push %q", eventID), err)
	}
	return nil
}

// Lease implements calendar.Store: SET PX of the holder's name, taken when
// free or renewed when the holder's own, so that of the instances sharing
// this Redis one syncs a source at a time; a crashed holder's lease
// expires after ttl.
func (r *Redis) Lease(ctx context.Context, sourceID, holder string, ttl time.Duration) (bool, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	defer end()
	n, err := scriptLease.Run(ctx, r.client, r.sourceKeys(sourceID)[3:],
		holder,
		ttl.Milliseconds(),
	).Int()
	if err != nil {
		return false, r.fail(fmt.Sprintf("lease source %q", sourceID), err)
	}
	return n == 1, nil
}
