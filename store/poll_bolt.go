package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/poll"
)

// Polls (poll.Store) in bbolt, made on first write:
//
//	polls_prepared   event ID → poll.Set JSON (with its version)
//	poll_keys        room NUL poll NUL key → "1": who answered, in key order
//	poll_counts      room NUL poll → one uint32 (big-endian) per option, then the number of answers
//
// The keys and the counts share only the room and poll: the keys are in
// key order, so their bytes keep no trace of the order of the answers,
// and no record pairs a key with a choice (see package poll).
var (
	bucketPollsPrepared = []byte("polls_prepared")
	bucketPollKeys      = []byte("poll_keys")
	bucketPollCounts    = []byte("poll_counts")
)

var _ poll.Store = (*Bolt)(nil)

// PreparedPolls implements poll.Store.
func (b *Bolt) PreparedPolls(ctx context.Context, event string) (poll.Set, error) {
	s, err := readOne(ctx, b, bucketPollsPrepared, "polls", event, decodeJSON[poll.Set], poll.ErrNotFound)
	if errors.Is(err, poll.ErrNotFound) {
		s, err = poll.Set{}, nil
	}
	if err != nil {
		return poll.Set{}, err
	}
	if s.Polls == nil {
		s.Polls = []poll.Poll{}
	}
	s.Event = event
	return s, nil
}

// PutPreparedPolls implements poll.Store.
func (b *Bolt) PutPreparedPolls(ctx context.Context, s poll.Set, ifVersion int64) (poll.Set, error) {
	if s.Event == "" || strings.ContainsRune(s.Event, 0) {
		return poll.Set{}, fmt.Errorf("store: polls without a usable event: %w", poll.ErrInvalid)
	}
	var out poll.Set
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketPollsPrepared)
		if err != nil {
			return fmt.Errorf("store: polls bucket: %w", err)
		}
		cur, _, err := read(bk, "polls", s.Event, decodeJSON[poll.Set])
		if err != nil {
			return err
		}
		if cur.Version != ifVersion {
			return fmt.Errorf("store: polls of %q are at version %d, not %d: %w", s.Event, cur.Version, ifVersion, poll.ErrConflict)
		}
		s.Version = cur.Version + 1
		raw, err := write(bk, "polls", s.Event, s)
		if err != nil {
			return err
		}
		out, err = decodeJSON[poll.Set](raw)
		return err
	})
	return out, err
}

func pollKey(room, id string) string { return room + "\x00" + id }

// AnswerPoll implements poll.Store.
func (b *Bolt) AnswerPoll(ctx context.Context, room, id, key string, choices []int, options int) (poll.Tally, error) {
	if err := checkAnswer(room, id, key, choices, options); err != nil {
		return poll.Tally{}, err
	}
	if err := ctx.Err(); err != nil {
		return poll.Tally{}, fmt.Errorf("store: %w", err)
	}
	// Batch, not update: a burst of answers (or of question votes) from
	// many connections shares commits, one fsync for many. The function
	// may run again (with the batch's others, or alone when it fails): it
	// sets t afresh each time. Answers touch no cached event, so they need
	// not hold wmu.
	var t poll.Tally
	err := b.db.Batch(func(tx *bolt.Tx) error {
		keys, err := tx.CreateBucketIfNotExists(bucketPollKeys)
		if err != nil {
			return fmt.Errorf("store: poll bucket: %w", err)
		}
		counts, err := tx.CreateBucketIfNotExists(bucketPollCounts)
		if err != nil {
			return fmt.Errorf("store: poll bucket: %w", err)
		}
		k := []byte(pollKey(room, id) + "\x00" + key)
		if keys.Get(k) != nil {
			return fmt.Errorf("store: poll %q: %w", id, poll.ErrAnswered)
		}
		raw := counts.Get([]byte(pollKey(room, id)))
		if closedTally(raw, options) {
			return fmt.Errorf("store: poll %q: %w", id, poll.ErrClosed)
		}
		t = decodeTally(raw, options)
		for _, c := range choices {
			t.Counts[c]++
		}
		t.Answers++
		if err := keys.Put(k, []byte("1")); err != nil {
			return fmt.Errorf("store: poll %q: %w", id, err)
		}
		if err := counts.Put([]byte(pollKey(room, id)), encodeTally(t)); err != nil {
			return fmt.Errorf("store: poll %q: %w", id, err)
		}
		return nil
	})
	return t, err
}

// ClosePoll implements poll.Store: a closed poll's counts end with one
// more word, the mark.
func (b *Bolt) ClosePoll(ctx context.Context, room, id string, options int) (poll.Tally, error) {
	if room == "" || id == "" || options < 1 || options > poll.MaxOptions {
		return poll.Tally{}, fmt.Errorf("store: closing a poll without a usable room, poll or option count: %w", poll.ErrInvalid)
	}
	var t poll.Tally
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		counts, err := tx.CreateBucketIfNotExists(bucketPollCounts)
		if err != nil {
			return fmt.Errorf("store: poll bucket: %w", err)
		}
		raw := counts.Get([]byte(pollKey(room, id)))
		t = decodeTally(raw, options)
		if closedTally(raw, options) {
			return nil
		}
		if err := counts.Put([]byte(pollKey(room, id)), append(encodeTally(t), 0, 0, 0, 1)); err != nil {
			return fmt.Errorf("store: poll %q: %w", id, err)
		}
		return nil
	})
	return t, err
}

// closedTally reports whether a stored tally bears the closed mark.
func closedTally(raw []byte, options int) bool { return len(raw) == 4*(options+2) }

// PollTally implements poll.Store.
func (b *Bolt) PollTally(ctx context.Context, room, id string, options int) (poll.Tally, error) {
	var t poll.Tally
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var raw []byte
		if bk := tx.Bucket(bucketPollCounts); bk != nil {
			raw = bk.Get([]byte(pollKey(room, id)))
		}
		t = decodeTally(raw, options)
		return nil
	})
	return t, err
}

// PollAnswered implements poll.Store.
func (b *Bolt) PollAnswered(ctx context.Context, room, id, key string) (bool, error) {
	var ok bool
	err := b.view(ctx, func(tx *bolt.Tx) error {
		if bk := tx.Bucket(bucketPollKeys); bk != nil {
			ok = bk.Get([]byte(pollKey(room, id)+"\x00"+key)) != nil
		}
		return nil
	})
	return ok, err
}

// PollsAnswered implements poll.Store.
func (b *Bolt) PollsAnswered(ctx context.Context, room string, keys map[string]string) ([]string, error) {
	out := []string{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketPollKeys)
		if bk == nil {
			return nil
		}
		for id, key := range keys {
			if bk.Get([]byte(pollKey(room, id)+"\x00"+key)) != nil {
				out = append(out, id)
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// checkAnswer is what both stores refuse before writing anything.
func checkAnswer(room, id, key string, choices []int, options int) error {
	if room == "" || id == "" || key == "" || strings.ContainsRune(room+id, 0) || options < 1 || options > poll.MaxOptions {
		return fmt.Errorf("store: poll answer without a usable room, poll, key or option count: %w", poll.ErrInvalid)
	}
	if err := (poll.Poll{Options: make([]agenda.Text, options), Multiple: true}).Check(choices); err != nil {
		return fmt.Errorf("store: poll %q: %w", id, err)
	}
	return nil
}

func encodeTally(t poll.Tally) []byte {
	out := make([]byte, 4*(len(t.Counts)+1))
	for i, c := range t.Counts {
		binary.BigEndian.PutUint32(out[4*i:], uint32(c))
	}
	binary.BigEndian.PutUint32(out[4*len(t.Counts):], uint32(t.Answers))
	return out
}

// decodeTally reads a stored tally of options options (zero when absent).
func decodeTally(raw []byte, options int) poll.Tally {
	t := poll.Tally{Counts: make([]int, options)}
	if len(raw) != 4*(options+1) && !closedTally(raw, options) {
		return t
	}
	for i := range options {
		t.Counts[i] = int(binary.BigEndian.Uint32(raw[4*i:]))
	}
	t.Answers = int(binary.BigEndian.Uint32(raw[4*options:]))
	return t
}

// AnswerRooms implements poll.Store: the rooms of poll_keys, skipping
// from one room's keys to the next.
func (b *Bolt) AnswerRooms(ctx context.Context) ([]string, error) {
	out := []string{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucketPollKeys)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, _ := c.First(); k != nil; {
			room, _, ok := strings.Cut(string(k), "\x00")
			if !ok {
				k, _ = c.Next()
				continue
			}
			out = append(out, room)
			k, _ = c.Seek([]byte(room + "\x01")) // past every key of room
		}
		return nil
	})
	return out, err
}

// ForgetAnswerKeys implements poll.Store.
func (b *Bolt) ForgetAnswerKeys(ctx context.Context, room string) (int, error) {
	if room == "" || strings.ContainsRune(room, 0) {
		return 0, fmt.Errorf("store: forget answer keys of %q: %w", room, poll.ErrInvalid)
	}
	n := 0
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketPollKeys)
		if bk == nil {
			return nil
		}
		prefix := []byte(room + "\x00")
		c := bk.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return fmt.Errorf("store: forget answer keys: %w", err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		n = 0
	}
	return n, err
}
