package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/attendance"
)

// Attendance (attendance.Store) is kept, under the prefix P:
//
//	P att:visits:{event}  hash: visit ID → visit JSON
//	P att:beats:{event}   hash: instance → Unix milliseconds of its latest beat
//	P att:events          set: the events with a log
//
// A batch is one Lua script per event (lua/attendance_record.lua), so that
// a change never brings back a visit forgotten meanwhile.
var _ attendance.Store = (*Redis)(nil)

// attKeys are an event's attendance keys, in the scripts' KEYS order:
// visits, beats, events.
func (r *Redis) attKeys(event string) []string {
	p := r.prefix() + "att:"
	return []string{p + "visits:" + event, p + "beats:" + event, p + "events"}
}

// RecordVisits implements attendance.Store.
func (r *Redis) RecordVisits(ctx context.Context, b attendance.Batch) error {
	if err := checkBatch(b); err != nil {
		return err
	}
	type part struct{ arrived, changed, beats []any }
	parts := map[string]*part{}
	var events []string
	of := func(event string) *part {
		p, ok := parts[event]
		if !ok {
			p = &part{}
			parts[event] = p
			events = append(events, event)
		}
		return p
	}
	for i, vs := range [][]attendance.Visit{b.Arrived, b.Changed} {
		for _, v := range vs {
			body, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("store: encode visit %q: %w", v.ID, err)
			}
			p := of(v.Event)
			if i == 0 {
				p.arrived = append(p.arrived, v.ID, body)
			} else {
				p.changed = append(p.changed, v.ID, body)
			}
		}
	}
	for _, bt := range b.Beats {
		p := of(bt.Event)
		p.beats = append(p.beats, bt.Instance, bt.At.UnixMilli())
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	for _, event := range events {
		p := parts[event]
		args := []any{
			event,
			len(p.arrived) / 2,
			len(p.changed) / 2,
			len(p.beats) / 2,
		}
		args = append(append(append(args, p.arrived...), p.changed...), p.beats...)
		if err := scriptAttendanceRecord.Run(ctx, r.client, r.attKeys(event), args...).Err(); err != nil {
			return r.fail("record attendance", err)
		}
	}
	return nil
}

// Visits implements attendance.Store.
func (r *Redis) Visits(ctx context.Context, event string) (attendance.Log, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return attendance.Log{}, err
	}
	defer end()
	keys := r.attKeys(event)
	var vs, bs *redis.MapStringStringCmd
	if _, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		vs, bs = p.HGetAll(ctx, keys[0]), p.HGetAll(ctx, keys[1])
		return nil
	}); err != nil {
		return attendance.Log{}, r.fail("read attendance", err)
	}
	out := attendance.Log{Visits: make([]attendance.Visit, 0, len(vs.Val())), Beats: map[string]time.Time{}}
	for id, raw := range vs.Val() {
		var v attendance.Visit
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return attendance.Log{}, fmt.Errorf("store: decode visit %q: %w", id, err)
		}
		out.Visits = append(out.Visits, v)
	}
	for inst, ms := range bs.Val() {
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil {
			return attendance.Log{}, fmt.Errorf("store: decode beat of %q: %w", inst, err)
		}
		out.Beats[inst] = time.UnixMilli(n).UTC()
	}
	sortVisits(out.Visits)
	return out, nil
}

// ForgetVisits implements attendance.Store.
func (r *Redis) ForgetVisits(ctx context.Context, event, person string) (int, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer end()
	reply, err := scriptAttendanceForget.Run(ctx, r.client, r.attKeys(event)[:1],
		person,
	).Slice()
	if err != nil {
		return 0, r.fail("forget visits", err)
	}
	if len(reply) != 2 {
		return 0, fmt.Errorf("store: redis: forget visits: unexpected reply %v", reply)
	}
	n, _ := reply[1].(int64)
	return int(n), nil
}

// PurgeVisits implements attendance.Store.
func (r *Redis) PurgeVisits(ctx context.Context, event string) (int, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer end()
	keys := r.attKeys(event)
	var n *redis.IntCmd
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		n = p.HLen(ctx, keys[0])
		p.Del(ctx, keys[0], keys[1])
		p.SRem(ctx, keys[2], event)
		return nil
	}); err != nil {
		return 0, r.fail("purge visits", err)
	}
	return int(n.Val()), nil
}

// VisitEvents implements attendance.Store.
func (r *Redis) VisitEvents(ctx context.Context) ([]string, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	out, err := r.client.SMembers(ctx, r.attKeys("")[2]).Result()
	if err != nil {
		return nil, r.fail("list attendance events", err)
	}
	slices.Sort(out)
	return out, nil
}
