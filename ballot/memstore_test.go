package ballot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/ballot/ballottest"
)

// memStore is the tests' in-memory ballot.Store. It keeps every record as
// the JSON bytes a product store would keep, under keys named like a
// product store's ("voters/<ballot>", "box/<ballot>"…), so that tests can
// inspect exactly what is stored. The product stores (embedded, Redis)
// live in package store.
type memStore struct {
	mu   sync.Mutex
	recs map[string][]byte
}

func newMemStore() *memStore { return &memStore{recs: map[string][]byte{}} }

// dump returns a copy of every stored record.
func (m *memStore) dump() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]byte, len(m.recs))
	for k, v := range m.recs {
		out[k] = slices.Clone(v)
	}
	return out
}

func (m *memStore) get(key string, v any) bool {
	b, ok := m.recs[key]
	if !ok {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
	return true
}

func (m *memStore) put(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	m.recs[key] = b
}

func (m *memStore) GetRoll(_ context.Context, event string) (ballot.Roll, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r ballot.Roll
	if !m.get("roll/"+event, &r) {
		return ballot.Roll{}, fmt.Errorf("%w: roll %q", ballot.ErrNotFound, event)
	}
	return r, nil
}

func (m *memStore) PutRoll(_ context.Context, r ballot.Roll, ifVersion int64) (ballot.Roll, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var old ballot.Roll
	ok := m.get("roll/"+r.Event, &old)
	if err := versionCheck(ok, old.Version, ifVersion); err != nil {
		return ballot.Roll{}, err
	}
	r.Version = old.Version + 1
	m.put("roll/"+r.Event, r)
	return r, nil
}

func versionCheck(exists bool, version, ifVersion int64) error {
	switch {
	case ifVersion == 0 && exists:
		return fmt.Errorf("%w: exists", ballot.ErrConflict)
	case ifVersion > 0 && !exists:
		return ballot.ErrNotFound
	case ifVersion > 0 && version != ifVersion:
		return fmt.Errorf("%w: at version %d", ballot.ErrConflict, version)
	}
	return nil
}

func (m *memStore) GetBallot(_ context.Context, id string) (ballot.Ballot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b ballot.Ballot
	if !m.get("ballot/"+id, &b) {
		return ballot.Ballot{}, fmt.Errorf("%w: ballot %q", ballot.ErrNotFound, id)
	}
	return b, nil
}

func (m *memStore) ListBallots(_ context.Context, event string) ([]ballot.Ballot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []ballot.Ballot
	for _, k := range slices.Sorted(maps.Keys(m.recs)) {
		var b ballot.Ballot
		if strings.HasPrefix(k, "ballot/") && m.get(k, &b) && b.Event == event {
			out = append(out, b)
		}
	}
	return out, nil
}

func (m *memStore) PutBallot(_ context.Context, b ballot.Ballot, ifVersion int64) (ballot.Ballot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var old ballot.Ballot
	ok := m.get("ballot/"+b.ID, &old)
	if err := versionCheck(ok, old.Version, ifVersion); err != nil {
		return ballot.Ballot{}, err
	}
	b.Version = old.Version + 1
	m.put("ballot/"+b.ID, b)
	return b, nil
}

// castable checks the cast preconditions; m.mu is held.
func (m *memStore) castable(id string, version int64) error {
	var b ballot.Ballot
	if !m.get("ballot/"+id, &b) {
		return ballot.ErrNotFound
	}
	if b.Version != version {
		return ballot.ErrConflict
	}
	return nil
}

func (m *memStore) CastSecret(_ context.Context, id string, version int64, inst string, p ballot.Paper) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.castable(id, version); err != nil {
		return err
	}
	var voters []string
	m.get("voters/"+id, &voters)
	if slices.Contains(voters, inst) {
		return ballot.ErrAlreadyVoted
	}
	var box []ballot.Paper
	m.get("box/"+id, &box)
	voters = append(voters, inst)
	sort.Strings(voters)
	box = append(box, p)
	sort.Slice(box, func(a, b int) bool { return box[a].Receipt < box[b].Receipt })
	m.put("voters/"+id, voters)
	m.put("box/"+id, box)
	return nil
}

func (m *memStore) CastNamed(_ context.Context, id string, version int64, v ballot.Vote) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.castable(id, version); err != nil {
		return err
	}
	var voters []string
	var votes []ballot.Vote
	m.get("voters/"+id, &voters)
	m.get("votes/"+id, &votes)
	votes = slices.DeleteFunc(votes, func(o ballot.Vote) bool { return o.Institution == v.Institution })
	votes = append(votes, v)
	sort.Slice(votes, func(a, b int) bool { return votes[a].Institution < votes[b].Institution })
	if !slices.Contains(voters, v.Institution) {
		voters = append(voters, v.Institution)
		sort.Strings(voters)
	}
	m.put("voters/"+id, voters)
	m.put("votes/"+id, votes)
	return nil
}

func (m *memStore) Voters(_ context.Context, id string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var v []string
	m.get("voters/"+id, &v)
	return v, nil
}

func (m *memStore) Papers(_ context.Context, id string) ([]ballot.Paper, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var p []ballot.Paper
	m.get("box/"+id, &p)
	return p, nil
}

func (m *memStore) Votes(_ context.Context, id string) ([]ballot.Vote, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var v []ballot.Vote
	m.get("votes/"+id, &v)
	return v, nil
}

// TestMemStoreConformance: the test store passes the suite the product
// stores run, so the Service's tests stand on a store that keeps the
// contract.
func TestMemStoreConformance(t *testing.T) {
	ballottest.Run(t, func(t *testing.T) (ballot.Store, ballottest.Dump) {
		m := newMemStore()
		return m, m.dump
	})
}
