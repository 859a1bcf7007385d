package registration_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/registration/registrationtest"
)

// memStore is the tests' in-memory registration.Store. It keeps every
// record as the JSON bytes a product store would keep, under keys named
// like a product store's ("reg/<event>/<id>", "token/<hash>",
// "email/<event>/<key>"…), so that tests can inspect exactly what is
// stored. One mutex makes each method one atomic step. The product
// stores (embedded, Redis) live in package store.
type memStore struct {
	mu   sync.Mutex // mu guards recs
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

// get decodes the record at key into v; m.mu must be held.
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

// put encodes v at key; m.mu must be held.
func (m *memStore) put(key string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	m.recs[key] = b
}

func (m *memStore) GetForm(_ context.Context, event string) (registration.Form, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var f registration.Form
	if !m.get("form/"+event, &f) {
		return registration.Form{}, fmt.Errorf("%w: form %q", registration.ErrNotFound, event)
	}
	return f, nil
}

func (m *memStore) PutForm(_ context.Context, f registration.Form, ifVersion int64) (registration.Form, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var old registration.Form
	ok := m.get("form/"+f.Event, &old)
	if (!ok && ifVersion != 0) || (ok && old.Version != ifVersion) {
		return registration.Form{}, fmt.Errorf("%w: form %q", registration.ErrConflict, f.Event)
	}
	f.Version = old.Version + 1
	m.put("form/"+f.Event, f)
	return f, nil
}

func (m *memStore) ListForms(context.Context) ([]registration.Form, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []registration.Form
	for k := range m.recs {
		if strings.HasPrefix(k, "form/") {
			var f registration.Form
			m.get(k, &f)
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out, nil
}

// list returns an event's registrations by Seq; m.mu must be held.
func (m *memStore) list(event string) []registration.Registration {
	var out []registration.Registration
	for k := range m.recs {
		if strings.HasPrefix(k, "reg/"+event+"/") {
			var r registration.Registration
			m.get(k, &r)
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (m *memStore) Register(_ context.Context, r registration.Registration, fill registration.Fill) (registration.Registration, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs["reg/"+r.Event+"/"+r.ID]; ok {
		return registration.Registration{}, 0, fmt.Errorf("%w: registration %q", registration.ErrConflict, r.ID)
	}
	list := m.list(r.Event)
	held, waiting := 0, 0
	for _, x := range list {
		if r.EmailKey != "" && x.EmailKey == r.EmailKey && x.Status != registration.StatusCancelled {
			return registration.Registration{}, 0, registration.ErrDuplicate
		}
		if x.Status.HoldsPlace() {
			held++
		}
		if x.Status == registration.StatusWaitlisted {
			waiting++
		}
	}
	var seq int64
	m.get("seq/"+r.Event, &seq)
	seq++
	m.put("seq/"+r.Event, seq)
	r.Seq = seq
	pos := 0
	if fill.Capacity == 0 || held < fill.Capacity {
		r.Status = fill.Placed
	} else {
		r.Status, pos = registration.StatusWaitlisted, waiting+1
	}
	r.History = append(r.History, registration.Step{Status: r.Status, At: fill.At})
	m.put("reg/"+r.Event+"/"+r.ID, r)
	for _, h := range r.TokenHashes {
		m.put("token/"+h, r.Event+"/"+r.ID)
	}
	return r, pos, nil
}

func (m *memStore) GetRegistration(_ context.Context, event, id string) (registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r registration.Registration
	if !m.get("reg/"+event+"/"+id, &r) {
		return r, fmt.Errorf("%w: registration %q", registration.ErrNotFound, id)
	}
	return r, nil
}

func (m *memStore) RegistrationByToken(_ context.Context, hash string) (registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ref string
	var r registration.Registration
	if !m.get("token/"+hash, &ref) || !m.get("reg/"+ref, &r) {
		return r, registration.ErrNotFound
	}
	return r, nil
}

func (m *memStore) ListRegistrations(_ context.Context, event string) ([]registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.list(event), nil
}

// fill promotes waitlisted registrations of event; m.mu must be held.
func (m *memStore) fill(event string, f registration.Fill) []registration.Registration {
	if f.Placed == "" {
		return nil
	}
	list := m.list(event)
	held := 0
	for _, x := range list {
		if x.Status.HoldsPlace() {
			held++
		}
	}
	var out []registration.Registration
	for _, x := range list {
		if x.Status != registration.StatusWaitlisted {
			continue
		}
		if f.Capacity != 0 && held >= f.Capacity {
			break
		}
		x.Status = f.Placed
		x.History = append(x.History, registration.Step{Status: f.Placed, At: f.At})
		m.put("reg/"+event+"/"+x.ID, x)
		held++
		out = append(out, x)
	}
	return out
}

func (m *memStore) ChangeRegistration(_ context.Context, c registration.Change) (registration.Registration, []registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r registration.Registration
	if !m.get("reg/"+c.Event+"/"+c.ID, &r) {
		return r, nil, fmt.Errorf("%w: registration %q", registration.ErrNotFound, c.ID)
	}
	if !slices.Contains(c.From, r.Status) {
		return registration.Registration{}, nil, fmt.Errorf("%w: registration is %s", registration.ErrState, r.Status)
	}
	r.Status = c.To
	r.History = append(r.History, registration.Step{Status: c.To, At: c.Fill.At})
	if c.To == registration.StatusDeclined {
		r.Message = c.Message
	}
	m.put("reg/"+c.Event+"/"+c.ID, r)
	return r, m.fill(c.Event, c.Fill), nil
}

func (m *memStore) FillWaitlist(_ context.Context, event string, f registration.Fill) ([]registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fill(event, f), nil
}

func (m *memStore) AddToken(_ context.Context, event, id, hash string, max int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r registration.Registration
	if !m.get("reg/"+event+"/"+id, &r) {
		return fmt.Errorf("%w: registration %q", registration.ErrNotFound, id)
	}
	r.TokenHashes = append(r.TokenHashes, hash)
	for len(r.TokenHashes) > max {
		delete(m.recs, "token/"+r.TokenHashes[0])
		r.TokenHashes = r.TokenHashes[1:]
	}
	m.put("reg/"+event+"/"+id, r)
	m.put("token/"+hash, event+"/"+id)
	return nil
}

// drop deletes a registration and its index entries; m.mu must be held.
func (m *memStore) drop(r registration.Registration) {
	for _, h := range r.TokenHashes {
		delete(m.recs, "token/"+h)
	}
	delete(m.recs, "reg/"+r.Event+"/"+r.ID)
}

func (m *memStore) ForgetRegistration(_ context.Context, event, id string, f registration.Fill) ([]registration.Registration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r registration.Registration
	if !m.get("reg/"+event+"/"+id, &r) {
		return nil, fmt.Errorf("%w: registration %q", registration.ErrNotFound, id)
	}
	m.drop(r)
	return m.fill(event, f), nil
}

func (m *memStore) PurgeRegistrations(_ context.Context, event string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	list := m.list(event)
	for _, r := range list {
		m.drop(r)
	}
	return len(list), nil
}

func TestMemStoreConformance(t *testing.T) {
	registrationtest.Run(t, func(t *testing.T) (registration.Store, registrationtest.Dump) {
		m := newMemStore()
		return m, m.dump
	})
}
