package realtime

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/majlis/majlis/interpretation"
)

// maxCoverageItems bounds the agenda items a room's coverage keeps apart;
// time under further items counts as outside items.
const maxCoverageItems = 200

// Coverage is what a room's channels carried, per agenda item: how long
// each channel had a live publisher and how many listened. It is part of
// the room's State, so it lives in the backend (surviving restarts, shared
// by instances), and it is bounded: per item and channel aggregates, never
// samples.
//
// Every instance computes it the same way from the same messages: each
// message that changes who is live, who listens to what or which item runs
// closes the open segment at the message's timestamp (TS) and opens a new
// one with the new set-up (Mark).
type Coverage struct {
	// Seq is the last message accounted for.
	Seq uint64 `json:"seq"`
	// Mark is the set-up since the last accounted message; nil before the
	// first.
	Mark *CoverageMark `json:"mark,omitempty"`
	// Items in the order they first ran; Item "" is the time outside
	// items while something was live or someone listened.
	Items []ItemCoverage `json:"items,omitempty"`
}

// CoverageMark is a room's set-up at a moment.
type CoverageMark struct {
	// At is when the set-up began, in Unix milliseconds.
	At int64 `json:"at"`
	// Item is the agenda item running then, or "".
	Item     string          `json:"item"`
	Channels []ChannelAtMark `json:"channels"`
}

// ChannelAtMark is one channel's set-up at a mark.
type ChannelAtMark struct {
	Channel   string `json:"channel"`
	Live      bool   `json:"live"`
	Listeners int    `json:"listeners"`
}

// ItemCoverage is what the channels carried during one agenda item.
type ItemCoverage struct {
	Item string `json:"item"`
	// First and Last bound the time accounted, in Unix milliseconds.
	First int64 `json:"first"`
	Last  int64 `json:"last"`
	// Millis is the time accounted under the item.
	Millis   int64             `json:"millis"`
	Channels []ChannelCoverage `json:"channels"`
}

// ChannelCoverage is one channel's figures under one item.
type ChannelCoverage struct {
	Channel string `json:"channel"`
	// LiveMillis is how long a publisher was live: the floor holder on
	// "floor", the booth's live interpreter on a language.
	LiveMillis int64 `json:"live_millis"`
	// ListenerMillis adds up each listener's time on the channel;
	// divided by the item's Millis it is the average listener count.
	ListenerMillis int64 `json:"listener_millis"`
	// Peak is the most listeners at once.
	Peak int `json:"peak"`
}

// Clone returns a deep copy of c.
func (c Coverage) Clone() Coverage {
	if c.Mark != nil {
		m := *c.Mark
		m.Channels = slices.Clone(m.Channels)
		c.Mark = &m
	}
	c.Items = slices.Clone(c.Items)
	for i := range c.Items {
		c.Items[i].Channels = slices.Clone(c.Items[i].Channels)
	}
	return c
}

// changesCoverage reports whether a message of type t may change who is
// live, who listens to what, or which item runs.
func changesCoverage(t MsgType) bool {
	switch t {
	case MsgJoin, MsgLeave, MsgMember, MsgInterp, MsgAgenda, MsgFloor:
		return true
	}
	return false
}

// item finds or adds the entry of an item.
func (c *Coverage) item(id string, at int64) *ItemCoverage {
	i := slices.IndexFunc(c.Items, func(x ItemCoverage) bool { return x.Item == id })
	if i < 0 {
		if id != "" && len(c.Items) >= maxCoverageItems {
			return c.item("", at)
		}
		c.Items = append(c.Items, ItemCoverage{Item: id, First: at, Last: at})
		i = len(c.Items) - 1
	}
	return &c.Items[i]
}

func (it *ItemCoverage) channel(name string) *ChannelCoverage {
	i := slices.IndexFunc(it.Channels, func(x ChannelCoverage) bool { return x.Channel == name })
	if i < 0 {
		it.Channels = append(it.Channels, ChannelCoverage{Channel: name})
		i = len(it.Channels) - 1
	}
	return &it.Channels[i]
}

// busy reports whether the mark's set-up is worth accounting: an item
// runs, or something is live or listened to.
func (m *CoverageMark) busy() bool {
	if m.Item != "" {
		return true
	}
	for _, ch := range m.Channels {
		if ch.Live || ch.Listeners > 0 {
			return true
		}
	}
	return false
}

// account closes the open segment at to (Unix milliseconds).
func (c *Coverage) account(to int64) {
	m := c.Mark
	if m == nil || !m.busy() {
		return
	}
	d := max(to-m.At, 0)
	it := c.item(m.Item, m.At)
	it.Millis += d
	it.Last = max(it.Last, to)
	for _, ch := range m.Channels {
		cc := it.channel(ch.Channel)
		if ch.Live {
			cc.LiveMillis += d
		}
		cc.ListenerMillis += d * int64(ch.Listeners)
		cc.Peak = max(cc.Peak, ch.Listeners)
	}
}

// listeners counts a roster's members per channel, interpreters aside
// (they work, they do not listen). A room keeps one up to date as members
// join, leave and switch channels (O(1) a change), instead of counting the
// whole roster at every change of its set-up.
type listeners map[string]int

// countListeners counts the whole roster: on load, and as the reference
// the incremental counts are tested against.
func countListeners(members map[string]Member) listeners {
	l := listeners{}
	for _, m := range members {
		l.add(m, 1)
	}
	return l
}

// add counts m once more (d = 1) or once less (d = -1).
func (l listeners) add(m Member, d int) {
	if m.Role == RoleInterpreter {
		return
	}
	if n := l[m.Channel] + d; n != 0 {
		l[m.Channel] = n
	} else {
		delete(l, m.Channel)
	}
}

// mark opens a segment at at with the set-up of st and the listener
// counts: O(channels), whatever the roster's size.
func (c *Coverage) mark(at int64, st State, counts listeners, langs []string) {
	m := &CoverageMark{At: at, Item: st.Agenda.Current, Channels: make([]ChannelAtMark, 0, len(langs)+1)}
	for i := -1; i < len(langs); i++ {
		ch := interpretation.Floor
		if i >= 0 {
			ch = langs[i]
		}
		cm := ChannelAtMark{Channel: ch, Listeners: counts[ch]}
		if ch == interpretation.Floor {
			cm.Live = st.Floor.Speaker != ""
		} else if b, ok := st.Interp.Booths[ch]; ok {
			cm.Live = b.Live != ""
		}
		m.Channels = append(m.Channels, cm)
	}
	c.Mark = m
	if m.busy() {
		it := c.item(m.Item, at)
		for _, ch := range m.Channels {
			cc := it.channel(ch.Channel)
			cc.Peak = max(cc.Peak, ch.Listeners)
		}
	}
}

// cover accounts for an applied message.
func (r *room) cover(env Envelope) {
	if !changesCoverage(env.Type) || env.Seq <= r.state.Coverage.Seq {
		return
	}
	cov := &r.state.Coverage
	cov.account(env.TS)
	cov.mark(env.TS, r.state, r.listening, r.languages())
	cov.Seq = env.Seq
}

// catchUpCoverage completes the coverage of a snapshot, exactly. A stored
// state's coverage stops at the last set-up change before the message it
// was stored with (it is the state that message was built from), and
// joins store no state. So the log after Coverage.Seq holds at most one
// change that stored a state (the snapshot's, whose state and roster
// follow it) and then only joins, whose members the roster lists: the
// set-up after each is the snapshot's state with the roster less the
// members who joined later.
func catchUpCoverage(ctx context.Context, b Backend, room string, snap *Snapshot, langs []string) {
	if snap.State.Coverage.Seq >= snap.Seq {
		return
	}
	hist, err := b.History(ctx, room, Position{Seq: snap.State.Coverage.Seq, Epoch: snap.Epoch})
	if err != nil {
		return // the log is gone or unreachable: the coverage stays behind
	}
	snap.State.Coverage = snap.State.Coverage.Clone() // the backend's copy stays as it is
	cov := &snap.State.Coverage
	joined := map[string]uint64{}
	for _, env := range hist {
		if env.Type == MsgJoin && env.Seq <= snap.Seq {
			joined[env.From] = env.Seq
		}
	}
	for _, env := range hist {
		if env.Seq > snap.Seq || !changesCoverage(env.Type) {
			continue
		}
		members := make(map[string]Member, len(snap.Roster))
		for _, m := range snap.Roster {
			if at, ok := joined[m.ID]; !ok || at <= env.Seq {
				members[m.ID] = m
			}
		}
		cov.account(env.TS)
		cov.mark(env.TS, snap.State, countListeners(members), langs)
		cov.Seq = env.Seq
	}
}

// ErrNoRoom: the event has no room (nobody ever joined it).
var ErrNoRoom = errors.New("realtime: the room has never been opened")

// coverageReq asks a room goroutine for its coverage.
type coverageReq struct{ reply chan *Coverage }

func (q coverageReq) handle(r *room) {
	if !r.loaded {
		q.reply <- nil
		return
	}
	r.catchUp() // messages still in flight from other instances count too
	cov := r.state.Coverage.Clone()
	q.reply <- &cov
}

// Coverage returns what room's channels carried so far, with the open
// segment closed at the current time: from the room itself when it runs
// here, otherwise from the backend.
func (n *Node) Coverage(ctx context.Context, roomID string) (Coverage, error) {
	n.mu.Lock()
	r, running := n.rooms[roomID]
	if running {
		r.refs++ // keeps the room from stopping meanwhile
	}
	n.mu.Unlock()
	if running {
		defer n.release(r)
		reply := make(chan *Coverage, 1)
		select {
		case r.inbox <- coverageReq{reply: reply}:
		case <-ctx.Done():
			return Coverage{}, fmt.Errorf("realtime: coverage: %w", ctx.Err())
		}
		select {
		case cov := <-reply:
			if cov != nil {
				cov.account(n.cfg.Now().UnixMilli())
				return *cov, nil
			}
		case <-ctx.Done():
			return Coverage{}, fmt.Errorf("realtime: coverage: %w", ctx.Err())
		}
	}
	ev, err := n.info.GetEvent(ctx, roomID)
	if err != nil {
		return Coverage{}, fmt.Errorf("realtime: coverage: %w", err)
	}
	snap, err := n.backend.Snapshot(ctx, roomID)
	if err != nil {
		return Coverage{}, fmt.Errorf("realtime: coverage: %w", err)
	}
	if snap.Seq == 0 {
		return Coverage{}, ErrNoRoom
	}
	snap.State = snap.State.Clone()
	catchUpCoverage(ctx, n.backend, roomID, &snap, ev.Languages)
	cov := snap.State.Coverage
	cov.account(n.cfg.Now().UnixMilli())
	return cov, nil
}
