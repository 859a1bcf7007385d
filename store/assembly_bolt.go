package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// Buckets of the general assembly (institution.Store, ballot.Store), made
// on first write. Documents are JSON with their version; the records of
// one ballot are keyed ballot ID, NUL, then institution or receipt, so
// that one ballot's are one key range in key order.
//
// A secret ballot's voters (bucketBallotVoters: ballot, institution → "1")
// and box (bucketBallotBox: ballot, receipt → choice) share nothing but the
// ballot ID; both are in key order, so their bytes do not depend on the
// order of the casts (see ballot.Store).
var (
	bucketInstitutions = []byte("institutions")
	bucketRolls        = []byte("rolls")
	bucketBallots      = []byte("ballots")
	bucketBallotVoters = []byte("ballot_voters")
	bucketBallotBox    = []byte("ballot_box")
	bucketBallotVotes  = []byte("ballot_votes")
)

// domainErrs are the sentinels a domain package's store errors wrap.
type domainErrs struct {
	notFound, conflict, invalid, unavailable error
}

var (
	institutionErrs = domainErrs{institution.ErrNotFound, institution.ErrConflict, institution.ErrInvalid, institution.ErrUnavailable}
	ballotErrs      = domainErrs{ballot.ErrNotFound, ballot.ErrConflict, ballot.ErrInvalid, ballot.ErrUnavailable}
)

// checkPut is the version rule of every assembly document: ifVersion 0
// creates (conflict if it exists), ifVersion > 0 replaces the stored
// version ifVersion (not found if absent, conflict if another).
func (d domainErrs) checkPut(kind, id string, exists bool, have, ifVersion int64) error {
	switch {
	case id == "" || strings.ContainsRune(id, 0):
		return fmt.Errorf("store: %s without a usable ID: %w", kind, d.invalid)
	case ifVersion == 0 && exists:
		return fmt.Errorf("store: %s %q exists: %w", kind, id, d.conflict)
	case ifVersion > 0 && !exists:
		return fmt.Errorf("store: %s %q: %w", kind, id, d.notFound)
	case ifVersion > 0 && have != ifVersion:
		return fmt.Errorf("store: %s %q is at version %d, not %d: %w", kind, id, have, ifVersion, d.conflict)
	case ifVersion < 0:
		return fmt.Errorf("store: %s %q: negative version: %w", kind, id, d.invalid)
	}
	return nil
}

// versioned is an assembly document: it carries its own version.
type versioned interface {
	institution.Institution | ballot.Roll | ballot.Ballot
}

func versionOf[T versioned](v T) int64 {
	switch x := any(v).(type) {
	case institution.Institution:
		return x.Version
	case ballot.Roll:
		return x.Version
	case ballot.Ballot:
		return x.Version
	}
	return 0
}

func withVersion[T versioned](v T, n int64) T {
	switch x := any(&v).(type) {
	case *institution.Institution:
		x.Version = n
	case *ballot.Roll:
		x.Version = n
	case *ballot.Ballot:
		x.Version = n
	}
	return v
}

func decodeJSON[T any](raw []byte) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// docPut writes v under id in bucket with the version rule of checkPut.
func docPut[T versioned](ctx context.Context, b *Bolt, bucket []byte, kind, id string, v T, ifVersion int64, d domainErrs) (T, error) {
	var out T
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return fmt.Errorf("store: %s bucket: %w", kind, err)
		}
		cur, ok, err := read(bk, kind, id, decodeJSON[T])
		if err != nil {
			return err
		}
		if err := d.checkPut(kind, id, ok, versionOf(cur), ifVersion); err != nil {
			return err
		}
		raw, err := write(bk, kind, id, withVersion(v, versionOf(cur)+1))
		if err != nil {
			return err
		}
		out, err = decodeJSON[T](raw)
		return err
	})
	return out, err
}

// docGet reads one assembly document.
func docGet[T versioned](ctx context.Context, b *Bolt, bucket []byte, kind, id string, d domainErrs) (T, error) {
	return readOne(ctx, b, bucket, kind, id, decodeJSON[T], d.notFound)
}

// GetInstitution implements institution.Store.
func (b *Bolt) GetInstitution(ctx context.Context, id string) (institution.Institution, error) {
	return docGet[institution.Institution](ctx, b, bucketInstitutions, "institution", id, institutionErrs)
}

// ListInstitutions implements institution.Store, in key (ID) order.
func (b *Bolt) ListInstitutions(ctx context.Context) ([]institution.Institution, error) {
	var out []institution.Institution
	err := b.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, err = readAll(tx.Bucket(bucketInstitutions), "institution", decodeJSON[institution.Institution])
		return err
	})
	return out, err
}

// PutInstitution implements institution.Store.
func (b *Bolt) PutInstitution(ctx context.Context, in institution.Institution, ifVersion int64) (institution.Institution, error) {
	return docPut(ctx, b, bucketInstitutions, "institution", in.ID, in, ifVersion, institutionErrs)
}

// DeleteInstitution implements institution.Store.
func (b *Bolt) DeleteInstitution(ctx context.Context, id string, ifVersion int64) error {
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk := tx.Bucket(bucketInstitutions)
		var cur institution.Institution
		var ok bool
		var err error
		if bk != nil {
			if cur, ok, err = read(bk, "institution", id, decodeJSON[institution.Institution]); err != nil {
				return err
			}
		}
		if err := institutionErrs.checkPut("institution", id, ok, cur.Version, max(ifVersion, 1)); err != nil {
			return err
		}
		if err := bk.Delete([]byte(id)); err != nil {
			return fmt.Errorf("store: delete institution %q: %w", id, err)
		}
		return nil
	})
}

// GetRoll implements ballot.Store.
func (b *Bolt) GetRoll(ctx context.Context, event string) (ballot.Roll, error) {
	return docGet[ballot.Roll](ctx, b, bucketRolls, "roll", event, ballotErrs)
}

// PutRoll implements ballot.Store.
func (b *Bolt) PutRoll(ctx context.Context, r ballot.Roll, ifVersion int64) (ballot.Roll, error) {
	return docPut(ctx, b, bucketRolls, "roll", r.Event, r, ifVersion, ballotErrs)
}

// GetBallot implements ballot.Store.
func (b *Bolt) GetBallot(ctx context.Context, id string) (ballot.Ballot, error) {
	return docGet[ballot.Ballot](ctx, b, bucketBallots, "ballot", id, ballotErrs)
}

// ListBallots implements ballot.Store: a scan of every ballot (an
// installation holds a few dozen a year).
func (b *Bolt) ListBallots(ctx context.Context, event string) ([]ballot.Ballot, error) {
	var out []ballot.Ballot
	err := b.view(ctx, func(tx *bolt.Tx) error {
		all, err := readAll(tx.Bucket(bucketBallots), "ballot", decodeJSON[ballot.Ballot])
		for _, x := range all {
			if x.Event == event {
				out = append(out, x)
			}
		}
		return err
	})
	return out, err
}

// PutBallot implements ballot.Store.
func (b *Bolt) PutBallot(ctx context.Context, x ballot.Ballot, ifVersion int64) (ballot.Ballot, error) {
	return docPut(ctx, b, bucketBallots, "ballot", x.ID, x, ifVersion, ballotErrs)
}

// ballotKey keys a ballot's record: ballot and ballot-record IDs hold no NUL.
func ballotKey(ballotID, sub string) []byte { return []byte(ballotID + "\x00" + sub) }

// castable checks, in a write transaction, that the ballot is stored at
// version and returns the buckets a cast writes.
func castable(tx *bolt.Tx, id string, version int64, names ...[]byte) ([]*bolt.Bucket, error) {
	bk := tx.Bucket(bucketBallots)
	var cur ballot.Ballot
	var ok bool
	var err error
	if bk != nil {
		if cur, ok, err = read(bk, "ballot", id, decodeJSON[ballot.Ballot]); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, fmt.Errorf("store: ballot %q: %w", id, ballot.ErrNotFound)
	}
	if cur.Version != version {
		return nil, fmt.Errorf("store: ballot %q is at version %d, not %d: %w", id, cur.Version, version, ballot.ErrConflict)
	}
	out := make([]*bolt.Bucket, len(names))
	for i, n := range names {
		if out[i], err = tx.CreateBucketIfNotExists(n); err != nil {
			return nil, fmt.Errorf("store: bucket %s: %w", n, err)
		}
	}
	return out, nil
}

// CastSecret implements ballot.Store: the voter and the paper are written
// in one transaction, to two buckets that share only the ballot ID.
func (b *Bolt) CastSecret(ctx context.Context, id string, version int64, inst string, p ballot.Paper) error {
	choice, err := json.Marshal(p.Choice)
	if err != nil {
		return fmt.Errorf("store: encode a paper: %w", err)
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bks, err := castable(tx, id, version, bucketBallotVoters, bucketBallotBox)
		if err != nil {
			return err
		}
		voters, box := bks[0], bks[1]
		if voters.Get(ballotKey(id, inst)) != nil {
			return fmt.Errorf("store: ballot %q: %w", id, ballot.ErrAlreadyVoted)
		}
		if box.Get(ballotKey(id, p.Receipt)) != nil {
			return fmt.Errorf("store: ballot %q: receipt in use: %w", id, ballot.ErrConflict)
		}
		if err := voters.Put(ballotKey(id, inst), []byte("1")); err != nil {
			return fmt.Errorf("store: write a voter: %w", err)
		}
		if err := box.Put(ballotKey(id, p.Receipt), choice); err != nil {
			return fmt.Errorf("store: write a paper: %w", err)
		}
		return nil
	})
}

// CastNamed implements ballot.Store.
func (b *Bolt) CastNamed(ctx context.Context, id string, version int64, v ballot.Vote) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode a vote: %w", err)
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bks, err := castable(tx, id, version, bucketBallotVoters, bucketBallotVotes)
		if err != nil {
			return err
		}
		if err := bks[0].Put(ballotKey(id, v.Institution), []byte("1")); err != nil {
			return fmt.Errorf("store: write a voter: %w", err)
		}
		if err := bks[1].Put(ballotKey(id, v.Institution), raw); err != nil {
			return fmt.Errorf("store: write a vote: %w", err)
		}
		return nil
	})
}

// ballotRange calls f with the sub-key and value of every record of
// ballot id in bucket, in key order.
func (b *Bolt) ballotRange(ctx context.Context, bucket []byte, id string, f func(sub string, v []byte) error) error {
	prefix := ballotKey(id, "")
	return b.view(ctx, func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		if bk == nil {
			return nil
		}
		c := bk.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			if err := f(string(k[len(prefix):]), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Voters implements ballot.Store.
func (b *Bolt) Voters(ctx context.Context, id string) ([]string, error) {
	out := []string{}
	err := b.ballotRange(ctx, bucketBallotVoters, id, func(inst string, _ []byte) error {
		out = append(out, inst)
		return nil
	})
	return out, err
}

// Papers implements ballot.Store.
func (b *Bolt) Papers(ctx context.Context, id string) ([]ballot.Paper, error) {
	var out []ballot.Paper
	err := b.ballotRange(ctx, bucketBallotBox, id, func(receipt string, v []byte) error {
		c, err := decodeJSON[ballot.Choice](v)
		if err != nil {
			return fmt.Errorf("store: decode a paper of ballot %q: %w", id, err)
		}
		out = append(out, ballot.Paper{Receipt: receipt, Choice: c})
		return nil
	})
	return out, err
}

// Votes implements ballot.Store.
func (b *Bolt) Votes(ctx context.Context, id string) ([]ballot.Vote, error) {
	var out []ballot.Vote
	err := b.ballotRange(ctx, bucketBallotVotes, id, func(_ string, v []byte) error {
		x, err := decodeJSON[ballot.Vote](v)
		if err != nil {
			return fmt.Errorf("store: decode a vote of ballot %q: %w", id, err)
		}
		out = append(out, x)
		return nil
	})
	return out, err
}
