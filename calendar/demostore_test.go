package calendar

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/majlis/majlis/agenda"
)

// demoStore holds the demo data for the feed tests of this package. They
// cannot use package store: store implements calendar.Store, so it
// imports calendar, and an in-package test importing it would be an import
// cycle. What is tested here is the feeds, not storage (store/storetest
// tests the real stores); this keeps only what demo.Load writes.
type demoStore struct {
	mu      sync.Mutex
	events  map[string]agenda.Event
	agendas map[string]agenda.Agenda
	series  map[string]agenda.Series
}

func newDemoStore() *demoStore {
	return &demoStore{events: map[string]agenda.Event{}, agendas: map[string]agenda.Agenda{}, series: map[string]agenda.Series{}}
}

func (s *demoStore) CreateEvent(_ context.Context, e agenda.Event, a agenda.Agenda) (agenda.Event, agenda.Agenda, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.events[e.ID]; ok {
		return agenda.Event{}, agenda.Agenda{}, fmt.Errorf("demo store: %q exists: %w", e.ID, agenda.ErrConflict)
	}
	e.Version, a.Version, a.EventID = 1, 1, e.ID
	s.events[e.ID], s.agendas[e.ID] = e, a
	return e, a, nil
}

func (s *demoStore) GetEvent(_ context.Context, id string) (agenda.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[id]
	if !ok {
		return agenda.Event{}, fmt.Errorf("demo store: %q: %w", id, agenda.ErrNotFound)
	}
	return e, nil
}

func (s *demoStore) UpdateEvent(_ context.Context, e agenda.Event, ifVersion int64) (agenda.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.events[e.ID]
	if !ok || (ifVersion != 0 && old.Version != ifVersion) {
		return agenda.Event{}, fmt.Errorf("demo store: %q: %w", e.ID, agenda.ErrConflict)
	}
	e.Version = old.Version + 1
	s.events[e.ID] = e
	return e, nil
}

func (s *demoStore) DeleteEvent(_ context.Context, id string, _ int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.events, id)
	delete(s.agendas, id)
	return nil
}

func (s *demoStore) ListEvents(_ context.Context, f agenda.Filter) ([]agenda.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []agenda.Event
	for _, e := range s.events {
		if f.Match(e) {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b agenda.Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *demoStore) GetAgenda(_ context.Context, id string) (agenda.Agenda, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.agendas[id]
	if !ok {
		return agenda.Agenda{}, fmt.Errorf("demo store: agenda %q: %w", id, agenda.ErrNotFound)
	}
	return a, nil
}

func (s *demoStore) PutAgenda(_ context.Context, a agenda.Agenda, _ int64, e *agenda.Event) (agenda.Agenda, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.Version = s.agendas[a.EventID].Version + 1
	s.agendas[a.EventID] = a
	if e != nil {
		ev := *e
		ev.Version++
		s.events[e.ID] = ev
	}
	return a, nil
}

func (s *demoStore) PutSeries(_ context.Context, ser agenda.Series, _ int64) (agenda.Series, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ser.Version = s.series[ser.ID].Version + 1
	s.series[ser.ID] = ser
	return ser, nil
}

func (s *demoStore) GetSeries(_ context.Context, id string) (agenda.Series, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ser, ok := s.series[id]
	if !ok {
		return agenda.Series{}, fmt.Errorf("demo store: series %q: %w", id, agenda.ErrNotFound)
	}
	return ser, nil
}

func (s *demoStore) ListSeries(_ context.Context) ([]agenda.Series, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []agenda.Series
	for _, ser := range s.series {
		out = append(out, ser)
	}
	slices.SortFunc(out, func(a, b agenda.Series) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
