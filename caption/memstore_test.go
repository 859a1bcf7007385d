package caption_test

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/majlis/majlis/caption"
	"github.com/majlis/majlis/caption/captiontest"
)

// memStore is the tests' in-memory caption.Store; the product stores
// (embedded, Redis) live in package store.
type memStore struct {
	mu     sync.Mutex
	tokens map[string]caption.Token // by ID
	chans  map[chanKey]*memChannel
	// cursors: the latest seq and its pos per (event, channel, token).
	cursors map[cursorKey]cursor
}

type chanKey struct{ event, channel string }

type cursorKey struct{ event, channel, token string }

type cursor struct{ seq, pos uint64 }

type memChannel struct {
	lines   []caption.Line
	next    uint64
	dropped uint64
}

func newMemStore() *memStore {
	return &memStore{tokens: map[string]caption.Token{}, chans: map[chanKey]*memChannel{}, cursors: map[cursorKey]cursor{}}
}

func (m *memStore) CreateCaptionToken(_ context.Context, t caption.Token, max int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, o := range m.tokens {
		if o.ID == t.ID || o.Hash == t.Hash {
			return caption.ErrConflict
		}
		if o.Event == t.Event {
			n++
		}
	}
	if n >= max {
		return caption.ErrTooManyTokens
	}
	m.tokens[t.ID] = t
	return nil
}

func (m *memStore) CaptionTokenByHash(_ context.Context, hash string) (caption.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		if t.Hash == hash {
			return t, nil
		}
	}
	return caption.Token{}, caption.ErrNotFound
}

func (m *memStore) CaptionTokens(_ context.Context, event string) ([]caption.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []caption.Token{}
	for _, t := range m.tokens {
		if t.Event == event {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b caption.Token) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (m *memStore) RevokeCaptionToken(_ context.Context, event, id string) (caption.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok || t.Event != event {
		return caption.Token{}, caption.ErrNotFound
	}
	t.Revoked = true
	m.tokens[id] = t
	return t, nil
}

func (m *memStore) AppendCaption(_ context.Context, l caption.Line, max int) (caption.Appended, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ck := cursorKey{l.Event, l.Channel, l.Token}
	if c, ok := m.cursors[ck]; ok {
		switch {
		case l.Seq == c.seq:
			l.Pos = c.pos
			return caption.Appended{Line: l, Duplicate: true}, nil
		case l.Seq < c.seq:
			return caption.Appended{}, caption.ErrSeqOutOfOrder
		}
	}
	ch := m.chans[chanKey{l.Event, l.Channel}]
	if ch == nil {
		ch = &memChannel{}
		m.chans[chanKey{l.Event, l.Channel}] = ch
	}
	ch.next++
	l.Pos = ch.next
	ch.lines = append(ch.lines, l)
	var dropped uint64
	if n := len(ch.lines) - max; n > 0 {
		ch.lines = slices.Delete(ch.lines, 0, n)
		dropped = uint64(n)
		ch.dropped += dropped
	}
	m.cursors[ck] = cursor{l.Seq, l.Pos}
	return caption.Appended{Line: l, Dropped: dropped}, nil
}

func (m *memStore) Captions(_ context.Context, event, channel string) (caption.Transcript, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := m.chans[chanKey{event, channel}]
	if ch == nil {
		return caption.Transcript{Lines: []caption.Line{}}, nil
	}
	return caption.Transcript{Lines: slices.Clone(ch.lines), Dropped: ch.dropped}, nil
}

func (m *memStore) DeleteCaptions(_ context.Context, event string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, t := range m.tokens {
		if t.Event == event {
			delete(m.tokens, id)
		}
	}
	for k := range m.chans {
		if k.event == event {
			delete(m.chans, k)
		}
	}
	for k := range m.cursors {
		if k.event == event {
			delete(m.cursors, k)
		}
	}
	return nil
}

func TestMemStoreConformance(t *testing.T) {
	captiontest.Run(t, func(t *testing.T) caption.Store { return newMemStore() })
}
