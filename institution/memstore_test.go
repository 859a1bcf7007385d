package institution_test

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/institution/institutiontest"
)

// memStore is the tests' in-memory institution.Store: enough to test the
// Service's rules. The product stores (embedded, Redis) live in package
// store and run their own conformance tests.
type memStore struct {
	mu   sync.Mutex
	byID map[string]institution.Institution
	puts int
}

func newMemStore() *memStore { return &memStore{byID: map[string]institution.Institution{}} }

func (m *memStore) GetInstitution(_ context.Context, id string) (institution.Institution, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	in, ok := m.byID[id]
	if !ok {
		return institution.Institution{}, fmt.Errorf("%w: %q", institution.ErrNotFound, id)
	}
	return in.Clone(), nil
}

func (m *memStore) ListInstitutions(context.Context) ([]institution.Institution, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]institution.Institution, 0, len(m.byID))
	for _, in := range m.byID {
		out = append(out, in.Clone())
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

func (m *memStore) PutInstitution(_ context.Context, in institution.Institution, ifVersion int64) (institution.Institution, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[in.ID]
	switch {
	case ifVersion == 0 && ok:
		return institution.Institution{}, fmt.Errorf("%w: %q exists", institution.ErrConflict, in.ID)
	case ifVersion > 0 && !ok:
		return institution.Institution{}, fmt.Errorf("%w: %q", institution.ErrNotFound, in.ID)
	case ifVersion > 0 && old.Version != ifVersion:
		return institution.Institution{}, fmt.Errorf("%w: %q is at version %d", institution.ErrConflict, in.ID, old.Version)
	}
	in = in.Clone()
	in.Version = old.Version + 1
	m.byID[in.ID] = in
	m.puts++
	return in.Clone(), nil
}

// TestMemStoreConformance: the test store passes the suite the product
// stores run.
func TestMemStoreConformance(t *testing.T) {
	institutiontest.Run(t, func(*testing.T) institution.Store { return newMemStore() })
}

func (m *memStore) DeleteInstitution(_ context.Context, id string, ifVersion int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.byID[id]
	switch {
	case !ok:
		return institution.ErrNotFound
	case old.Version != ifVersion:
		return institution.ErrConflict
	}
	delete(m.byID, id)
	return nil
}
