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
	mu   sync.Mutex // mu guards recs and events
	recs map[string][]byte
	// events indexes each event's registrations in Seq order (IDs,
	// statuses and email keys only), so that Register need not decode
	// every record; recs stays the truth that tests inspect.
	events map[string][]entry
}

// entry is the index's summary of one registration.
type entry struct {
	id       string
	status   registration.Status
	emailKey string
}

func newMemStore() *memStore {
	return &memStore{recs: map[string][]byte{}, events: map[string][]entry{}}
}

// putReg stores r and indexes it; m.mu must be held.
func (m *memStore) putReg(r registration.Registration) {
	m.put("reg/"+r.Event+"/"+r.ID, r)
	es := m.events[r.Event]
	e := entry{id: r.ID, status: r.Status, emailKey: r.EmailKey}
	for i := range es {
		if es[i].id == r.ID {
			es[i] = e
			return
		}
	}
	m.events[r.Event] = append(es, e)
}

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
	for _, e := range m.events[event] {
		var r registration.Registration
		m.get("reg/"+event+"/"+e.id, &r)
		out = append(out, r)
	}
	return out
}

func (m *memStore) Register(_ context.Context, r registration.Registration, fill registration.Fill) (registration.Registration, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.recs["reg/"+r.Event+"/"+r.ID]; ok {
		return registration.Registration{}, 0, fmt.Errorf("%w: registration %q", registration.ErrConflict, r.ID)
	}
	held, waiting := 0, 0
	for _, x := range m.events[r.Event] {
		if r.EmailKey != "" && x.emailKey == r.EmailKey && x.status != registration.StatusCancelled {
			return registration.Registration{}, 0, registration.ErrDuplicate
		}
		if x.status.HoldsPlace() {
			held++
		}
		if x.status == registration.StatusWaitlisted {
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
	m.putReg(r)
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
	held := 0
	for _, x := range m.events[event] {
		if x.status.HoldsPlace() {
			held++
		}
	}
	var out []registration.Registration
	for _, e := range m.events[event] {
		if e.status != registration.StatusWaitlisted {
			continue
		}
		if f.Capacity != 0 && held >= f.Capacity {
			break
		}
		var x registration.Registration
		m.get("reg/"+event+"/"+e.id, &x)
		x.Status = f.Placed
		x.History = append(x.History, registration.Step{Status: f.Placed, At: f.At})
		m.putReg(x)
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
	m.putReg(r)
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
	m.events[r.Event] = slices.DeleteFunc(m.events[r.Event], func(e entry) bool { return e.id == r.ID })
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
