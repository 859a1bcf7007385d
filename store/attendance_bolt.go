package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/attendance"
)

// Buckets of attendance (attendance.Store), made on first write. Keys
// start with the event's ID and a NUL, so that one event is one key range:
//
//	attendance_visits  event NUL visit ID  → visit JSON
//	attendance_beats   event NUL instance  → Unix milliseconds (8 bytes, big-endian)
//	attendance_events  event               → "" (the events with a log)
var (
	bucketAttendanceVisits = []byte("attendance_visits")
	bucketAttendanceBeats  = []byte("attendance_beats")
	bucketAttendanceEvents = []byte("attendance_events")
)

var _ attendance.Store = (*Bolt)(nil)

// attendanceKey joins an event and a name with NUL.
func attendanceKey(event, name string) []byte { return []byte(event + "\x00" + name) }

// checkBatch refuses a batch with a visit or beat no store can key.
func checkBatch(b attendance.Batch) error {
	for _, vs := range [][]attendance.Visit{b.Arrived, b.Changed} {
		for _, v := range vs {
			if err := v.Check(); err != nil {
				return fmt.Errorf("store: visit %q of %q: %w", v.ID, v.Event, err)
			}
		}
	}
	for _, bt := range b.Beats {
		if err := (attendance.Visit{Event: bt.Event, ID: bt.Instance, Person: "-"}).Check(); err != nil {
			return fmt.Errorf("store: beat of %q: %w", bt.Event, err)
		}
	}
	return nil
}

// sortVisits orders visits by join, then ID.
func sortVisits(vs []attendance.Visit) {
	slices.SortFunc(vs, func(a, b attendance.Visit) int {
		return cmp.Or(a.Joined.Compare(b.Joined), strings.Compare(a.ID, b.ID))
	})
}

// RecordVisits implements attendance.Store.
func (b *Bolt) RecordVisits(ctx context.Context, batch attendance.Batch) error {
	if err := checkBatch(batch); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		var bks [3]*bolt.Bucket
		for i, name := range [][]byte{bucketAttendanceVisits, bucketAttendanceBeats, bucketAttendanceEvents} {
			bk, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return fmt.Errorf("store: %s bucket: %w", name, err)
			}
			bks[i] = bk
		}
		visits, beats, events := bks[0], bks[1], bks[2]
		for _, v := range batch.Arrived {
			if err := putJSON(visits, attendanceKey(v.Event, v.ID), v); err != nil {
				return err
			}
			if err := events.Put([]byte(v.Event), nil); err != nil {
				return fmt.Errorf("store: write attendance event: %w", err)
			}
		}
		for _, v := range batch.Changed {
			key := attendanceKey(v.Event, v.ID)
			if visits.Get(key) == nil {
				continue // forgotten (or purged): it stays so
			}
			if err := putJSON(visits, key, v); err != nil {
				return err
			}
		}
		for _, bt := range batch.Beats {
			key := attendanceKey(bt.Event, bt.Instance)
			ms := bt.At.UnixMilli()
			if old := beats.Get(key); len(old) == 8 && int64(binary.BigEndian.Uint64(old)) >= ms {
				continue
			}
			if err := beats.Put(key, binary.BigEndian.AppendUint64(nil, uint64(ms))); err != nil {
				return fmt.Errorf("store: write beat: %w", err)
			}
			if err := events.Put([]byte(bt.Event), nil); err != nil {
				return fmt.Errorf("store: write attendance event: %w", err)
			}
		}
		return nil
	})
}

// Visits implements attendance.Store.
func (b *Bolt) Visits(ctx context.Context, event string) (attendance.Log, error) {
	out := attendance.Log{Visits: []attendance.Visit{}, Beats: map[string]time.Time{}}
	prefix := attendanceKey(event, "")
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if visits := tx.Bucket(bucketAttendanceVisits); visits != nil {
			c := visits.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				var x attendance.Visit
				if err := json.Unmarshal(v, &x); err != nil {
					return fmt.Errorf("store: decode visit %q: %w", k, err)
				}
				out.Visits = append(out.Visits, x)
			}
		}
		if beats := tx.Bucket(bucketAttendanceBeats); beats != nil {
			c := beats.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(v) == 8 {
					out.Beats[string(k[len(prefix):])] = time.UnixMilli(int64(binary.BigEndian.Uint64(v))).UTC()
				}
			}
		}
		return nil
	})
	if err != nil {
		return attendance.Log{}, err
	}
	sortVisits(out.Visits)
	return out, nil
}

// ForgetVisits implements attendance.Store.
func (b *Bolt) ForgetVisits(ctx context.Context, event, person string) (int, error) {
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		visits := tx.Bucket(bucketAttendanceVisits)
		if visits == nil {
			return nil
		}
		prefix := attendanceKey(event, "")
		var drop [][]byte
		c := visits.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var x attendance.Visit
			if err := json.Unmarshal(v, &x); err != nil {
				return fmt.Errorf("store: decode visit %q: %w", k, err)
			}
			if x.Person == person {
				drop = append(drop, slices.Clone(k))
			}
		}
		for _, k := range drop {
			if err := visits.Delete(k); err != nil {
				return fmt.Errorf("store: delete visit: %w", err)
			}
		}
		n = len(drop)
		return nil
	})
	return n, err
}

// PurgeVisits implements attendance.Store.
func (b *Bolt) PurgeVisits(ctx context.Context, event string) (int, error) {
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		prefix := attendanceKey(event, "")
		for _, name := range [][]byte{bucketAttendanceVisits, bucketAttendanceBeats} {
			bk := tx.Bucket(name)
			if bk == nil {
				continue
			}
			c := bk.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("store: purge %s: %w", name, err)
				}
				if bytes.Equal(name, bucketAttendanceVisits) {
					n++
				}
			}
		}
		if events := tx.Bucket(bucketAttendanceEvents); events != nil {
			if err := events.Delete([]byte(event)); err != nil {
				return fmt.Errorf("store: purge attendance event: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// VisitEvents implements attendance.Store.
func (b *Bolt) VisitEvents(ctx context.Context) ([]string, error) {
	out := []string{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketAttendanceEvents)
		if events == nil {
			return nil
		}
		return events.ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}
