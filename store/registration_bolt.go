package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/registration"
)

// Buckets of webinar registrations (registration.Store), made on first
// write:
//
//	registration_forms   event → form JSON
//	registrations        event NUL ID → registration JSON
//	registration_order   event NUL seq (8 bytes, big endian) → status NUL ID NUL email key
//	registration_tokens  token hash → event NUL ID
//	registration_seq     event → the last Seq given (decimal)
//	registration_marks   event NUL mark → "1" (see MarkOnce)
//
// registration_order lets Register count places and find the waitlist's
// head without decoding registrations; it is rewritten with every status
// change, in the same transaction.
var (
	bucketRegForms  = []byte("registration_forms")
	bucketRegs      = []byte("registrations")
	bucketRegOrder  = []byte("registration_order")
	bucketRegTokens = []byte("registration_tokens")
	bucketRegSeq    = []byte("registration_seq")
	bucketRegMarks  = []byte("registration_marks")
)

var _ registration.Store = (*Bolt)(nil)

func regKey(event, id string) []byte { return []byte(event + "\x00" + id) }

func regOrderKey(event string, seq int64) []byte {
	k := make([]byte, 0, len(event)+9)
	k = append(k, event...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, uint64(seq))
}

// regEntry is one registration_order entry.
type regEntry struct {
	seq      int64
	status   registration.Status
	id       string
	emailKey string
}

// regBuckets are the registration buckets of one write transaction.
type regBuckets struct {
	regs, order, tokens, seq *bolt.Bucket
}

func regWriteBuckets(tx *bolt.Tx) (regBuckets, error) {
	var out regBuckets
	for _, x := range []struct {
		name []byte
		to   **bolt.Bucket
	}{{bucketRegs, &out.regs}, {bucketRegOrder, &out.order}, {bucketRegTokens, &out.tokens}, {bucketRegSeq, &out.seq}} {
		bk, err := tx.CreateBucketIfNotExists(x.name)
		if err != nil {
			return out, fmt.Errorf("store: %s bucket: %w", x.name, err)
		}
		*x.to = bk
	}
	return out, nil
}

// entries returns an event's order entries, by Seq.
func (rb regBuckets) entries(event string) []regEntry {
	var out []regEntry
	prefix := []byte(event + "\x00")
	c := rb.order.Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		parts := strings.SplitN(string(v), "\x00", 3)
		if len(parts) != 3 {
			continue
		}
		out = append(out, regEntry{seq: int64(binary.BigEndian.Uint64(k[len(prefix):])), status: registration.Status(parts[0]), id: parts[1], emailKey: parts[2]})
	}
	return out
}

// count reads an event's order entries as Register needs them, without
// copying any: how many hold a place, how many wait, and whether a
// registration that is not cancelled has emailKey (never when it is "").
// Register runs it on every arrival, so it allocates nothing (entries
// made a webinar's 2,000th registration cost 2,000 copies).
func (rb regBuckets) count(event, emailKey string) (held, waiting int, taken bool) {
	prefix := []byte(event + "\x00")
	pending, approved, waitlisted, cancelled := []byte(registration.StatusPending), []byte(registration.StatusApproved),
		[]byte(registration.StatusWaitlisted), []byte(registration.StatusCancelled)
	c := rb.order.Cursor()
	for k, v := c.Seek(prefix); k != nil && len(k) == len(prefix)+8 && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		status, rest, ok := bytes.Cut(v, []byte{0})
		if !ok {
			continue
		}
		switch {
		case bytes.Equal(status, pending), bytes.Equal(status, approved):
			held++
		case bytes.Equal(status, waitlisted):
			waiting++
		}
		if emailKey != "" && !bytes.Equal(status, cancelled) {
			if _, key, ok := bytes.Cut(rest, []byte{0}); ok && string(key) == emailKey {
				taken = true
			}
		}
	}
	return held, waiting, taken
}

func decodeRegistration(raw []byte) (registration.Registration, error) {
	var r registration.Registration
	err := json.Unmarshal(raw, &r)
	return r, err
}

// get reads one registration.
func (rb regBuckets) get(event, id string) (registration.Registration, bool, error) {
	return read(rb.regs, "registration", string(regKey(event, id)), decodeRegistration)
}

// put writes a registration and its order entry, and returns it as a
// later read will.
func (rb regBuckets) put(r registration.Registration) (registration.Registration, error) {
	raw, err := write(rb.regs, "registration", string(regKey(r.Event, r.ID)), r)
	if err != nil {
		return registration.Registration{}, err
	}
	entry := string(r.Status) + "\x00" + r.ID + "\x00" + r.EmailKey
	if err := rb.order.Put(regOrderKey(r.Event, r.Seq), []byte(entry)); err != nil {
		return registration.Registration{}, fmt.Errorf("store: write registration order %q: %w", r.ID, err)
	}
	return decodeRegistration(raw)
}

// drop deletes a registration and every index entry of it.
func (rb regBuckets) drop(r registration.Registration) error {
	for _, h := range r.TokenHashes {
		if err := rb.tokens.Delete([]byte(h)); err != nil {
			return fmt.Errorf("store: delete registration token: %w", err)
		}
	}
	if err := rb.order.Delete(regOrderKey(r.Event, r.Seq)); err != nil {
		return fmt.Errorf("store: delete registration order: %w", err)
	}
	if err := rb.regs.Delete(regKey(r.Event, r.ID)); err != nil {
		return fmt.Errorf("store: delete registration: %w", err)
	}
	return nil
}

// fill promotes the waitlist's head while places are free.
func (rb regBuckets) fill(event string, f registration.Fill) ([]registration.Registration, error) {
	if f.Placed == "" {
		return nil, nil
	}
	es := rb.entries(event)
	held := 0
	for _, e := range es {
		if e.status.HoldsPlace() {
			held++
		}
	}
	var out []registration.Registration
	for _, e := range es {
		if f.Capacity != 0 && held >= f.Capacity {
			break
		}
		if e.status != registration.StatusWaitlisted {
			continue
		}
		r, ok, err := rb.get(event, e.id)
		if err != nil || !ok {
			return nil, fmt.Errorf("store: waitlisted registration %q unreadable: %v", e.id, err)
		}
		r.Status = f.Placed
		r.History = append(r.History, registration.Step{Status: f.Placed, At: f.At})
		if r, err = rb.put(r); err != nil {
			return nil, err
		}
		held++
		out = append(out, r)
	}
	return out, nil
}

// regUpdate runs fn with the registration buckets in one write transaction.
func (b *Bolt) regUpdate(ctx context.Context, fn func(rb regBuckets) error) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		rb, err := regWriteBuckets(tx)
		if err != nil {
			return err
		}
		return fn(rb)
	})
}

// regView runs fn with the registration buckets in a read transaction; a
// bucket not yet made reads as empty.
func (b *Bolt) regView(ctx context.Context, fn func(tx *bolt.Tx, rb regBuckets) error) error {
	return b.view(ctx, func(tx *bolt.Tx) error {
		rb := regBuckets{regs: tx.Bucket(bucketRegs), order: tx.Bucket(bucketRegOrder), tokens: tx.Bucket(bucketRegTokens)}
		if rb.regs == nil || rb.order == nil || rb.tokens == nil {
			return fn(tx, regBuckets{})
		}
		return fn(tx, rb)
	})
}

func decodeForm(raw []byte) (registration.Form, error) {
	var f registration.Form
	err := json.Unmarshal(raw, &f)
	return f, err
}

// GetForm implements registration.Store.
func (b *Bolt) GetForm(ctx context.Context, event string) (registration.Form, error) {
	return readOne(ctx, b, bucketRegForms, "registration form", event, decodeForm, registration.ErrNotFound)
}

// PutForm implements registration.Store.
func (b *Bolt) PutForm(ctx context.Context, f registration.Form, ifVersion int64) (registration.Form, error) {
	var out registration.Form
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketRegForms)
		if err != nil {
			return fmt.Errorf("store: registration forms bucket: %w", err)
		}
		old, _, err := read(bk, "registration form", f.Event, decodeForm)
		if err != nil {
			return err
		}
		if old.Version != ifVersion {
			return fmt.Errorf("store: registration form %q is at version %d, not %d: %w", f.Event, old.Version, ifVersion, registration.ErrConflict)
		}
		f.Version = ifVersion + 1
		raw, err := write(bk, "registration form", f.Event, f)
		if err != nil {
			return err
		}
		out, err = decodeForm(raw)
		return err
	})
	return out, err
}

// ListForms implements registration.Store.
func (b *Bolt) ListForms(ctx context.Context) ([]registration.Form, error) {
	var out []registration.Form
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = readAll(tx.Bucket(bucketRegForms), "registration form", decodeForm)
		return err
	})
	return out, err
}

// Register implements registration.Store: the duplicate and capacity
// checks and the write are one bbolt transaction.
func (b *Bolt) Register(ctx context.Context, r registration.Registration, fill registration.Fill) (registration.Registration, int, error) {
	if r.ID == "" || r.Event == "" || strings.ContainsRune(r.Event, 0) || strings.ContainsRune(r.ID, 0) {
		return registration.Registration{}, 0, fmt.Errorf("store: registration without an ID or event: %w", registration.ErrInvalid)
	}
	var out registration.Registration
	pos := 0
	err := b.regUpdate(ctx, func(rb regBuckets) error {
		if rb.regs.Get(regKey(r.Event, r.ID)) != nil {
			return fmt.Errorf("store: registration %q exists: %w", r.ID, registration.ErrConflict)
		}
		held, waiting, taken := rb.count(r.Event, r.EmailKey)
		if taken {
			return registration.ErrDuplicate
		}
		seq, _ := strconv.ParseInt(string(rb.seq.Get([]byte(r.Event))), 10, 64)
		seq++
		if err := rb.seq.Put([]byte(r.Event), []byte(strconv.FormatInt(seq, 10))); err != nil {
			return fmt.Errorf("store: write registration seq: %w", err)
		}
		r.Seq = seq
		if fill.Capacity == 0 || held < fill.Capacity {
			r.Status = fill.Placed
		} else {
			r.Status, pos = registration.StatusWaitlisted, waiting+1
		}
		r.History = append(r.History, registration.Step{Status: r.Status, At: fill.At})
		for _, h := range r.TokenHashes {
			if err := rb.tokens.Put([]byte(h), regKey(r.Event, r.ID)); err != nil {
				return fmt.Errorf("store: write registration token: %w", err)
			}
		}
		var err error
		out, err = rb.put(r)
		return err
	})
	if err != nil {
		return registration.Registration{}, 0, err
	}
	return out, pos, nil
}

// GetRegistration implements registration.Store.
func (b *Bolt) GetRegistration(ctx context.Context, event, id string) (registration.Registration, error) {
	var out registration.Registration
	err := b.regView(ctx, func(_ *bolt.Tx, rb regBuckets) error {
		ok := false
		var err error
		if rb.regs != nil {
			out, ok, err = rb.get(event, id)
		}
		if err == nil && !ok {
			err = fmt.Errorf("store: registration %q: %w", id, registration.ErrNotFound)
		}
		return err
	})
	return out, err
}

// RegistrationByToken implements registration.Store.
func (b *Bolt) RegistrationByToken(ctx context.Context, hash string) (registration.Registration, error) {
	var out registration.Registration
	err := b.regView(ctx, func(_ *bolt.Tx, rb regBuckets) error {
		ok := false
		var err error
		if rb.tokens != nil {
			if ref := rb.tokens.Get([]byte(hash)); ref != nil {
				out, ok, err = read(rb.regs, "registration", string(ref), decodeRegistration)
			}
		}
		if err == nil && !ok {
			err = fmt.Errorf("store: no registration with that link: %w", registration.ErrNotFound)
		}
		return err
	})
	return out, err
}

// ListRegistrations implements registration.Store.
func (b *Bolt) ListRegistrations(ctx context.Context, event string) ([]registration.Registration, error) {
	var out []registration.Registration
	err := b.regView(ctx, func(_ *bolt.Tx, rb regBuckets) error {
		if rb.order == nil {
			return nil
		}
		for _, e := range rb.entries(event) {
			r, ok, err := rb.get(event, e.id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// ChangeRegistration implements registration.Store.
func (b *Bolt) ChangeRegistration(ctx context.Context, c registration.Change) (registration.Registration, []registration.Registration, error) {
	var out registration.Registration
	var up []registration.Registration
	err := b.regUpdate(ctx, func(rb regBuckets) error {
		r, ok, err := rb.get(c.Event, c.ID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: registration %q: %w", c.ID, registration.ErrNotFound)
		}
		if !slices.Contains(c.From, r.Status) {
			return fmt.Errorf("store: registration %q is %s: %w", c.ID, r.Status, registration.ErrState)
		}
		r.Status = c.To
		r.History = append(r.History, registration.Step{Status: c.To, At: c.Fill.At})
		if c.To == registration.StatusDeclined {
			r.Message = c.Message
		}
		if out, err = rb.put(r); err != nil {
			return err
		}
		up, err = rb.fill(c.Event, c.Fill)
		return err
	})
	if err != nil {
		return registration.Registration{}, nil, err
	}
	return out, up, nil
}

// FillWaitlist implements registration.Store.
func (b *Bolt) FillWaitlist(ctx context.Context, event string, f registration.Fill) ([]registration.Registration, error) {
	var up []registration.Registration
	err := b.regUpdate(ctx, func(rb regBuckets) error {
		var err error
		up, err = rb.fill(event, f)
		return err
	})
	return up, err
}

// AddToken implements registration.Store.
func (b *Bolt) AddToken(ctx context.Context, event, id, hash string, max int) error {
	return b.regUpdate(ctx, func(rb regBuckets) error {
		r, ok, err := rb.get(event, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: registration %q: %w", id, registration.ErrNotFound)
		}
		r.TokenHashes = append(r.TokenHashes, hash)
		for len(r.TokenHashes) > max {
			if err := rb.tokens.Delete([]byte(r.TokenHashes[0])); err != nil {
				return fmt.Errorf("store: delete registration token: %w", err)
			}
			r.TokenHashes = r.TokenHashes[1:]
		}
		if err := rb.tokens.Put([]byte(hash), regKey(event, id)); err != nil {
			return fmt.Errorf("store: write registration token: %w", err)
		}
		_, err = rb.put(r)
		return err
	})
}

// ForgetRegistration implements registration.Store.
func (b *Bolt) ForgetRegistration(ctx context.Context, event, id string, f registration.Fill) ([]registration.Registration, error) {
	var up []registration.Registration
	err := b.regUpdate(ctx, func(rb regBuckets) error {
		r, ok, err := rb.get(event, id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: registration %q: %w", id, registration.ErrNotFound)
		}
		if err := rb.drop(r); err != nil {
			return err
		}
		up, err = rb.fill(event, f)
		return err
	})
	return up, err
}

// PurgeRegistrations implements registration.Store.
func (b *Bolt) PurgeRegistrations(ctx context.Context, event string) (int, error) {
	n := 0
	err := b.regUpdate(ctx, func(rb regBuckets) error {
		for _, e := range rb.entries(event) {
			r, ok, err := rb.get(event, e.id)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if err := rb.drop(r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// MarkOnce records mark for event and reports whether this call made it
// (false when it was there already): reminder jobs on several instances
// send each reminder once. A bbolt file has one process, so this is a
// plain transaction.
func (b *Bolt) MarkOnce(ctx context.Context, event, mark string) (bool, error) {
	made := false
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketRegMarks)
		if err != nil {
			return fmt.Errorf("store: registration marks bucket: %w", err)
		}
		k := regKey(event, mark)
		if bk.Get(k) != nil {
			return nil
		}
		made = true
		return bk.Put(k, []byte("1"))
	})
	return made, err
}
