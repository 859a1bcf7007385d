package realtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/interpretation"
)

// inboxSize bounds a room's queue of requests and backend deliveries.
const inboxSize = 4096

// backendTimeout bounds one call to the backend.
const backendTimeout = 5 * time.Second

var errBanned = errors.New("realtime: removed from this room")

// room is one session as seen by this instance. Its goroutine (run) owns
// every field below inbox: nothing else reads or writes them.
type room struct {
	id    string
	node  *Node
	inbox chan request
	// resync is set by the backend callback when it had to drop a
	// delivery; the room then refills from the log. wake (buffer 1) tells
	// the room goroutine at once, rather than at its next tick: the
	// dropped message may be the last of a burst, which nothing else
	// would bring.
	resync atomic.Bool
	wake   chan struct{}
	// refs counts connections joined or joining; guarded by node.mu.
	refs int

	loaded  bool
	seq     uint64 // the room's position: seq in the log named epoch
	epoch   string
	state   State
	members map[string]Member
	order   []string           // member IDs in join order
	clients map[string]*Client // local connections by member ID
	event   agenda.Event
	items   []agenda.Item
	cancel  func()
	idle    time.Time // when the last local client left
	closing bool
	reaped  time.Time // when members of dead instances were last looked for
	// hearing lists the local clients by the channel whose audio they
	// receive; nil when it must be recomputed.
	hearing    map[string][]*Client
	lastCounts map[string]int
	counted    time.Time
	// slowedDown is when each local interpreter last asked the floor to
	// slow down (booth.slow_down's own limit).
	slowedDown map[string]time.Time
}

// request is one thing the room goroutine does: each request carries its
// own handling, so a new kind of request cannot go unhandled. handle runs
// on the room goroutine only.
type request interface{ handle(r *room) }

// joinReq adds a connection to the room (join) and answers in done.
type joinReq struct {
	c     *Client
	since *Position
	done  chan error
}

func (q joinReq) handle(r *room) { q.done <- r.join(q.c, q.since) }

// leaveReq: a connection's reader ended.
type leaveReq struct{ c *Client }

func (q leaveReq) handle(r *room) {
	delete(r.slowedDown, q.c.member.ID)
	if _, ok := r.clients[q.c.member.ID]; ok {
		r.drop(q.c, websocket.CloseNormalClosure, "")
	}
	r.node.release(r)
	if len(r.clients) == 0 {
		r.idle = r.node.cfg.Now()
	}
}

// cmdReq is a command from a client.
type cmdReq struct {
	c   *Client
	env Envelope
}

func (q cmdReq) handle(r *room) {
	if _, ok := r.clients[q.c.member.ID]; !ok {
		return
	}
	if e := r.command(q.c, q.env); e != nil {
		r.reply(q.c, e, q.env.ID)
	}
}

// replyReq sends a client an error its reader found.
type replyReq struct {
	c   *Client
	err *Error
	id  string
}

func (q replyReq) handle(r *room) {
	if _, ok := r.clients[q.c.member.ID]; ok {
		r.reply(q.c, q.err, q.id)
	}
}

// dropReq closes a client its reader gave up on.
type dropReq struct {
	c    *Client
	code int
	text string
}

func (q dropReq) handle(r *room) {
	if _, ok := r.clients[q.c.member.ID]; ok {
		r.drop(q.c, q.code, q.text)
	}
}

// deliveryReq is a message from the backend.
type deliveryReq struct{ env Envelope }

func (q deliveryReq) handle(r *room) { r.deliver(q.env) }

// frameReq is an audio frame from the backend.
type frameReq struct{ frame []byte }

func (q frameReq) handle(r *room) { r.forward(q.frame) }

// audioReq is an audio frame from a local client.
type audioReq struct {
	c     *Client
	frame []byte
}

func (q audioReq) handle(r *room) {
	if _, ok := r.clients[q.c.member.ID]; ok {
		r.audio(q.c, q.frame)
	}
}

// shutdownReq closes every local client: the node shuts down.
type shutdownReq struct{}

func (shutdownReq) handle(r *room) {
	r.closing = true
	for _, c := range r.clients {
		r.drop(c, websocket.CloseGoingAway, "server shutting down; reconnect with since")
	}
}

func newRoom(n *Node, id string) *room {
	return &room{id: id, node: n, inbox: make(chan request, inboxSize), wake: make(chan struct{}, 1),
		members: map[string]Member{}, clients: map[string]*Client{}}
}

// post queues a request for the room goroutine. Callers hold a reference
// (refs), so the room is running.
func (r *room) post(req request) { r.inbox <- req }

// pos is the room's position in its log.
func (r *room) pos() Position { return Position{Seq: r.seq, Epoch: r.epoch} }

// callContext starts one call to the backend or the store: a new context
// bounded by backendTimeout, whose cancel the caller must call.
func (r *room) callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), backendTimeout)
}

// run is the room goroutine: it handles requests and deliveries one at a
// time, and stops once the room has had no local client for Linger.
func (r *room) run() {
	tick := time.NewTicker(time.Second)
	defer func() {
		tick.Stop()
		if r.cancel != nil {
			r.cancel()
		}
	}()
	for {
		select {
		case req := <-r.inbox:
			req.handle(r)
		case <-r.wake:
			if r.resync.Swap(false) {
				r.catchUp()
			}
		case <-tick.C:
			if r.resync.Swap(false) {
				r.catchUp()
			}
			if now := r.node.cfg.Now(); r.loaded && now.Sub(r.reaped) >= r.node.cfg.HeartbeatTTL/2 {
				r.reaped = now
				r.reap()
			}
			if now := r.node.cfg.Now(); r.loaded && now.Sub(r.counted) >= 2*time.Second {
				r.counted = now
				r.announceListeners()
			}
			if len(r.clients) == 0 && (r.closing || r.node.cfg.Now().Sub(r.idle) >= r.node.cfg.Linger) && r.node.tryStop(r) {
				r.drain()
				return
			}
		}
	}
}

// drain answers requests that raced with the room's stop. None can be a
// join (refs was 0), so there are only stale deliveries to drop.
func (r *room) drain() {
	for {
		select {
		case <-r.inbox:
		default:
			return
		}
	}
}

// load reads the room's state from the backend and the event from the
// store, and subscribes. It runs on the first join.
func (r *room) load() error {
	ctx, cancel := r.callContext()
	defer cancel()
	ev, err := r.node.info.GetEvent(ctx, r.id)
	if err != nil {
		return err
	}
	r.event = ev
	r.refreshItems()
	unsub, err := r.node.backend.Subscribe(ctx, r.id, Subscriber{
		Deliver: func(env Envelope) {
			select {
			case r.inbox <- deliveryReq{env: env}:
			default:
				r.needResync()
			}
		},
		Frame: func(frame []byte) {
			select {
			case r.inbox <- frameReq{frame: frame}:
			default: // audio is at most once: a late frame is worth nothing
			}
		},
		Resync: r.needResync,
	})
	if err != nil {
		return err
	}
	r.cancel = unsub
	snap, err := r.node.backend.Snapshot(ctx, r.id)
	if err != nil {
		return err
	}
	catchUpCoverage(ctx, r.node.backend, r.id, &snap, r.languages())
	r.reset(snap)
	r.loaded = true
	return nil
}

func (r *room) refreshItems() {
	ctx, cancel := r.callContext()
	defer cancel()
	if a, err := r.node.info.GetAgenda(ctx, r.id); err == nil {
		r.items = a.Items
	}
}

func (r *room) reset(s Snapshot) {
	r.seq, r.epoch, r.state = s.Seq, s.Epoch, s.State.Clone()
	r.ensureBooths(&r.state)
	r.hearing = nil
	r.members, r.order = map[string]Member{}, nil
	for _, m := range s.Roster {
		r.members[m.ID] = m
		r.order = append(r.order, m.ID)
	}
}

// banKey is a one-way, per-room pseudonym of a subject.
func banKey(room, subject string) string {
	sum := sha256.Sum256([]byte("majlis-ban\x00" + room + "\x00" + subject))
	return hex.EncodeToString(sum[:12])
}

// join adds c to the room: it announces the member, then brings the client
// up to date with a welcome, or with the messages it missed when since is
// a position in the room's log.
func (r *room) join(c *Client, since *Position) error {
	if !r.loaded {
		if err := r.load(); err != nil {
			r.node.log.Warn("room: load", "room", r.id, "err", err)
			return err
		}
	}
	if slices.Contains(r.state.Banned, banKey(r.id, c.member.Subject)) {
		return errBanned
	}
	c.member.Channel = r.defaultChannel(c.member)
	if c.member.Role == RoleInterpreter {
		c.member.Channel = interpretation.Floor
	}
	m := c.member
	join := Envelope{Type: MsgJoin, From: m.ID, To: r.presenceAudience(m), Data: mustJSON(m)}
	// A client that saw further in this log than the log now holds tells
	// that the log went back: the publish then starts a new epoch.
	var ahead uint64
	if since != nil && since.Epoch == r.epoch {
		ahead = since.Seq
	}
	if err := r.publishAt(&join, Change{Join: &m}, ahead); err != nil {
		r.node.log.Warn("room: publish join", "room", r.id, "err", err)
		return err
	}
	r.deliver(join)
	ctx, cancel := r.callContext()
	defer cancel()
	if since != nil && since.Seq > 0 && since.Epoch == r.epoch && since.Seq <= r.seq {
		hist, err := r.node.backend.History(ctx, r.id, *since)
		if err == nil {
			r.send(c, Envelope{Type: MsgResume, Room: r.id,
				Data: mustJSON(resumeData{You: m, From: since.Seq, To: r.seq, Epoch: r.epoch})})
			for _, env := range hist {
				if env.Seq <= r.seq && r.visible(c, env) {
					r.send(c, env)
				}
			}
			r.admit(c)
			return nil
		}
		if !errors.Is(err, ErrGap) {
			return err
		}
	}
	r.send(c, r.welcome(c))
	r.admit(c)
	return nil
}

// admit makes c a local client of the room; an interpreter with a booth
// enters it.
func (r *room) admit(c *Client) {
	r.clients[c.member.ID] = c
	r.hearing = nil
	r.enterBooth(c)
}

// enterBooth puts an interpreter with a booth in it.
func (r *room) enterBooth(c *Client) {
	m := c.member
	if m.Role == RoleInterpreter && m.Booth != "" {
		if _, ok := r.state.Interp.Booths[m.Booth]; ok {
			e := r.publishInterp(m.ID, func(st *State) error {
				return st.Interp.Booths[m.Booth].Join(interpretation.Interpreter{ID: m.ID, Inputs: m.Languages})
			})
			if e != nil {
				r.reply(c, e, "")
			}
		}
	}
}

type resumeData struct {
	You   Member `json:"you"`
	From  uint64 `json:"from"`  // replay starts after this seq
	To    uint64 `json:"to"`    // and ends with this one; live messages follow
	Epoch string `json:"epoch"` // the log's epoch, unchanged
}

// presenceAudience is who hears a member arrive or leave: everyone, but in
// large rooms only hosts hear about participants and observers.
func (r *room) presenceAudience(m Member) string {
	if len(r.members) >= r.node.cfg.PresenceLimit && (m.Role == RoleParticipant || m.Role == RoleObserver) {
		return ToHosts
	}
	return ToEveryone
}

// welcomeData is the room as a new connection first sees it.
type welcomeData struct {
	Protocol int       `json:"protocol"`
	You      Member    `json:"you"`
	Event    eventInfo `json:"event"`
	Roster   []Member  `json:"roster"`
	// Members counts everyone in the room; Roster may list fewer in large
	// rooms (RosterPartial).
	Members        int         `json:"members"`
	RosterPartial  bool        `json:"roster_partial,omitempty"`
	Floor          Floor       `json:"floor"`
	Agenda         agendaState `json:"agenda"`
	Interpretation interpView  `json:"interpretation"`
	Seq            uint64      `json:"seq"`
	// Epoch names the room's log: a client resumes with since=Seq (or a
	// later seq) and this epoch.
	Epoch string `json:"epoch"`
}

type eventInfo struct {
	ID        string      `json:"id"`
	Title     agenda.Text `json:"title"`
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
	TimeZone  string      `json:"timezone"`
	Languages []string    `json:"languages"`
}

type agendaState struct {
	Items []agenda.Item `json:"items"`
	Progress
}

func (r *room) welcome(c *Client) Envelope {
	w := welcomeData{
		Protocol: ProtocolVersion, You: c.member, Members: len(r.order),
		Event: eventInfo{ID: r.event.ID, Title: r.event.Title, Start: r.event.Start, End: r.event.End,
			TimeZone: r.event.TimeZone, Languages: r.event.Languages},
		Floor:          r.state.Floor,
		Agenda:         agendaState{Items: r.items, Progress: r.state.Agenda},
		Interpretation: r.interpView(r.state),
		Seq:            r.seq,
		Epoch:          r.epoch,
	}
	if w.Agenda.Items == nil {
		w.Agenda.Items = []agenda.Item{}
	}
	partial := len(r.order) > r.node.cfg.PresenceLimit && c.member.Role != RoleHost
	w.Roster = make([]Member, 0, min(len(r.order), r.node.cfg.PresenceLimit))
	for _, id := range r.order {
		m := r.members[id]
		if partial && (m.Role == RoleParticipant || m.Role == RoleObserver) && id != c.member.ID {
			continue
		}
		w.Roster = append(w.Roster, m)
	}
	w.RosterPartial = partial
	return Envelope{Type: MsgWelcome, Room: r.id, Seq: r.seq, Data: mustJSON(w)}
}

// visible reports whether env is addressed to c.
func (r *room) visible(c *Client, env Envelope) bool {
	if env.To == ToEveryone || c.member.Role == RoleHost || env.From == c.member.ID {
		return true
	}
	switch {
	case env.To == ToStaff || env.To == ToInterpreters:
		return c.member.Role == RoleInterpreter
	case strings.HasPrefix(env.To, ToBooth):
		return c.member.Role == RoleInterpreter && env.To == ToBooth+c.member.Booth
	case env.To == ToSpeaker:
		return c.member.ID == r.state.Floor.Speaker
	}
	return false
}

// send queues env for c; a full queue drops the client.
func (r *room) send(c *Client, env Envelope) {
	b, err := json.Marshal(env)
	if err != nil {
		r.node.log.Error("room: encode", "room", r.id, "err", err)
		return
	}
	if !c.enqueue(&outMsg{data: b}) {
		r.drop(c, CloseSlowConsumer, "too slow: reconnect with since")
	}
}

func (r *room) reply(c *Client, e *Error, id string) {
	r.send(c, Envelope{Type: MsgError, Room: r.id, ID: id, Data: mustJSON(e)})
}

// drop closes a local client and tells the room it left.
func (r *room) drop(c *Client, code int, text string) {
	if _, ok := r.clients[c.member.ID]; !ok {
		return
	}
	delete(r.clients, c.member.ID)
	r.hearing = nil
	if code == CloseSlowConsumer {
		c.discard.Store(true)
	}
	c.closeSend(code, text)
	reason := map[int]string{CloseSlowConsumer: "slow", CloseRemoved: "removed", websocket.CloseGoingAway: "shutdown"}[code]
	if reason == "" {
		reason = "left"
	}
	m := c.member
	err := r.publishState(func(st *State) (Envelope, *Error) {
		removeFromFloor(st, m.ID)
		return Envelope{Type: MsgLeave, From: m.ID, To: r.presenceAudience(m),
			Data: mustJSON(leaveData{ID: m.ID, Reason: reason})}, nil
	}, &Change{Leave: m.ID})
	if err != nil {
		r.node.log.Warn("room: publish leave", "room", r.id, "member", m.ID, "err", err)
	}
	if b, ok := r.state.Interp.Booths[m.Booth]; ok && b.Has(m.ID) {
		if e := r.publishInterp(m.ID, func(st *State) error {
			st.Interp.Booths[m.Booth].Leave(m.ID)
			return nil
		}); e != nil {
			r.node.log.Warn("room: publish booth leave", "room", r.id, "member", m.ID, "err", e)
		}
	}
}

// reap removes the members of instances that stopped beating: their
// connections are gone, and nobody else would announce it.
func (r *room) reap() {
	if !r.node.mayReap() {
		return
	}
	var others []string
	for _, m := range r.members {
		if m.Instance != "" && m.Instance != r.node.cfg.Instance && !slices.Contains(others, m.Instance) {
			others = append(others, m.Instance)
		}
	}
	if len(others) == 0 {
		return
	}
	ctx, cancel := r.callContext()
	dead, err := r.node.backend.Dead(ctx, others)
	cancel()
	if err != nil || len(dead) == 0 {
		return
	}
	for _, id := range slices.Clone(r.order) {
		m, ok := r.members[id]
		if !ok || !slices.Contains(dead, m.Instance) {
			continue
		}
		err := r.publishState(func(st *State) (Envelope, *Error) {
			if _, still := r.members[id]; !still {
				return Envelope{}, errorf(ErrInvalidState, "already gone") // another instance reaped it
			}
			removeFromFloor(st, id)
			return Envelope{Type: MsgLeave, From: id, To: r.presenceAudience(m),
				Data: mustJSON(leaveData{ID: id, Reason: "timeout"})}, nil
		}, &Change{Leave: id})
		if err != nil && err.Code != ErrInvalidState {
			r.node.log.Warn("room: reap", "room", r.id, "member", id, "err", err)
		}
	}
}

type leaveData struct {
	ID     string `json:"id"`
	Reason string `json:"reason"` // left, slow, removed, shutdown, timeout (its instance died)
}

func removeFromFloor(st *State, id string) {
	st.Floor.Queue = slices.DeleteFunc(st.Floor.Queue, func(x string) bool { return x == id })
	if st.Floor.Speaker == id {
		st.Floor.Speaker = ""
	}
}

// fanout queues env for every local client it is addressed to.
func (r *room) fanout(env Envelope) {
	if len(r.clients) == 0 {
		return
	}
	b, err := json.Marshal(env)
	if err != nil {
		r.node.log.Error("room: encode", "room", r.id, "err", err)
		return
	}
	var slow []*Client
	msg := shared(b, false)
	for _, c := range r.clients {
		if r.visible(c, env) && !c.enqueue(msg) {
			slow = append(slow, c)
		}
	}
	for _, c := range slow {
		r.drop(c, CloseSlowConsumer, "too slow: reconnect with since")
	}
}

// deliver applies a message from the backend (or published here) in seq
// order, refilling any gap from the log, and fans it out.
func (r *room) deliver(env Envelope) {
	if env.Seq == 0 {
		r.fanout(env)
		return
	}
	if env.Epoch != r.epoch {
		// Another log: ours is gone (catchUp restarts the room from a
		// fresh snapshot), or this is a late delivery from a log we
		// already left (catchUp finds ours intact).
		r.catchUp()
		return
	}
	if env.Seq <= r.seq {
		return // already applied
	}
	if env.Seq > r.seq+1 {
		r.catchUp()
		if env.Seq <= r.seq {
			return
		}
	}
	r.apply(env)
	r.seq = env.Seq
	r.fanout(env)
	if env.Type == MsgRemove {
		var d removeData
		if json.Unmarshal(env.Data, &d) == nil && d.ID == "" && d.Ban != "" {
			// Removed by subject (Node.RemoveSubject): every instance
			// closes its own clients who joined as it.
			for _, c := range r.clients {
				if banKey(r.id, c.member.Subject) == d.Ban {
					r.drop(c, CloseRemoved, "removed by a host")
				}
			}
		} else if d.ID != "" {
			if c, ok := r.clients[d.ID]; ok {
				ban := banKey(r.id, c.member.Subject)
				r.drop(c, CloseRemoved, "removed by a host")
				if d.Ban == "" {
					// Removed from another instance, which could not
					// know whom to ban: ban here, for every instance.
					_ = r.publishState(func(st *State) (Envelope, *Error) {
						if !slices.Contains(st.Banned, ban) {
							st.Banned = append(st.Banned, ban)
						}
						return Envelope{Type: MsgRemove, From: env.From, Data: mustJSON(removeData{ID: d.ID, Ban: ban})}, nil
					}, nil)
				}
			}
		}
	}
}

// needResync asks the room goroutine to refill from the log. Any
// goroutine; never blocks.
func (r *room) needResync() {
	r.resync.Store(true)
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// catchUp applies what the log holds beyond the room's position; when the
// log has lost some of it, or is another log (a new epoch), the room
// starts again from a fresh snapshot.
func (r *room) catchUp() {
	ctx, cancel := r.callContext()
	defer cancel()
	hist, err := r.node.backend.History(ctx, r.id, r.pos())
	if errors.Is(err, ErrGap) {
		r.restart(ctx, errors.Is(err, ErrEpoch))
		return
	}
	if err != nil {
		r.node.log.Warn("room: history", "room", r.id, "err", err)
		r.resync.Store(true)
		return
	}
	for _, env := range hist {
		if env.Seq == r.seq+1 && env.Epoch == r.epoch {
			r.apply(env)
			r.seq = env.Seq
			r.fanout(env)
		}
	}
}

// restart reloads the room from a fresh snapshot and welcomes every local
// client again: each replaces what it held with the welcome (see
// docs/protocol.md, Recovery). After a new epoch (lost is set) the log's
// roster may have lost the local members: those it lacks join again.
func (r *room) restart(ctx context.Context, lost bool) {
	snap, err := r.node.backend.Snapshot(ctx, r.id)
	if err != nil {
		r.node.log.Warn("room: snapshot", "room", r.id, "err", err)
		r.resync.Store(true)
		return
	}
	if lost {
		r.node.log.Warn("room: the room's log started again (new epoch): clients start from a fresh snapshot",
			"room", r.id, "epoch", snap.Epoch, "seq", snap.Seq)
	}
	catchUpCoverage(ctx, r.node.backend, r.id, &snap, r.languages())
	r.reset(snap)
	for _, c := range r.clients {
		r.send(c, r.welcome(c))
	}
	for _, c := range r.clients {
		if _, ok := r.members[c.member.ID]; ok {
			continue
		}
		m := c.member
		join := Envelope{Type: MsgJoin, From: m.ID, To: r.presenceAudience(m), Data: mustJSON(m)}
		if err := r.node.backend.Publish(ctx, r.id, &join, &Change{Seen: r.pos(), Join: &m}); err != nil {
			r.node.log.Warn("room: publish join again", "room", r.id, "member", m.ID, "err", err)
			r.resync.Store(true)
			continue
		}
		r.deliver(join)
		r.enterBooth(c)
	}
}

// apply changes the room's state for one message, the same way on every
// instance.
func (r *room) apply(env Envelope) {
	r.hearing = nil
	defer r.cover(env)
	switch env.Type {
	case MsgInterp:
		var v interpView
		if json.Unmarshal(env.Data, &v) != nil {
			return
		}
		r.state.Interp.FloorLanguage = v.FloorLanguage
		r.ensureBooths(&r.state)
		for _, b := range v.Booths {
			b := b.Clone()
			r.state.Interp.Booths[b.Language] = &b
		}
	case MsgJoin, MsgMember:
		var m Member
		if json.Unmarshal(env.Data, &m) != nil {
			return
		}
		if old, ok := r.members[m.ID]; ok {
			m.Subject, m.Instance = old.Subject, old.Instance
		} else if env.Type == MsgJoin {
			r.order = append(r.order, m.ID)
		} else {
			return
		}
		if c, ok := r.clients[m.ID]; ok {
			m.Subject, m.Instance = c.member.Subject, c.member.Instance
			c.member.Muted, c.member.Channel, c.member.Original = m.Muted, m.Channel, m.Original
		}
		r.members[m.ID] = m
	case MsgLeave:
		var d leaveData
		if json.Unmarshal(env.Data, &d) != nil {
			return
		}
		delete(r.members, d.ID)
		r.order = slices.DeleteFunc(r.order, func(id string) bool { return id == d.ID })
		removeFromFloor(&r.state, d.ID)
	case MsgFloor:
		var f Floor
		if json.Unmarshal(env.Data, &f) == nil {
			r.state.Floor = f
		}
	case MsgAgenda:
		var p Progress
		if json.Unmarshal(env.Data, &p) == nil {
			r.state.Agenda = p
		}
	case MsgRemove:
		var d removeData
		if json.Unmarshal(env.Data, &d) == nil && d.Ban != "" && !slices.Contains(r.state.Banned, d.Ban) {
			r.state.Banned = append(r.state.Banned, d.Ban)
		}
	}
}

type removeData struct {
	ID string `json:"id"`
	// Ban is a one-way hash of who was removed, so that every instance
	// refuses them; it reveals nothing about them.
	Ban string `json:"ban"`
}

// publishState publishes the message build makes from a copy of the state,
// conditionally on the room not having moved meanwhile, with the new state
// stored alongside; on a race with another instance it catches up and
// rebuilds, a few times.
func (r *room) publishState(build func(st *State) (Envelope, *Error), extra *Change) *Error {
	for range 5 {
		st := r.state.Clone()
		env, e := build(&st)
		if e != nil {
			return e
		}
		ch := &Change{Seen: r.pos(), Check: true, State: &st}
		if extra != nil {
			ch.Join, ch.Leave, ch.Update = extra.Join, extra.Leave, extra.Update
		}
		ctx, cancel := r.callContext()
		err := r.node.backend.Publish(ctx, r.id, &env, ch)
		cancel()
		if errors.Is(err, ErrStale) {
			r.catchUp()
			continue
		}
		if err != nil {
			r.node.log.Warn("room: publish", "room", r.id, "err", err)
			return errorf(ErrUnavailable, "the room could not be updated; try again")
		}
		r.deliver(env)
		return nil
	}
	return errorf(ErrUnavailable, "the room is too busy; try again")
}

// publish publishes a message that changes no state (chat).
func (r *room) publish(env Envelope) *Error {
	if err := r.publishAt(&env, Change{}, 0); err != nil {
		r.node.log.Warn("room: publish", "room", r.id, "err", err)
		return errorf(ErrUnavailable, "the message could not be sent; try again")
	}
	r.deliver(env)
	return nil
}

// publishAt publishes env with ch in the room's log, as the room last saw
// it (or at seq ahead, when a client saw further): a log that is now
// another (a new epoch) refuses it, and the room starts again from a
// fresh snapshot and publishes in the new log, a few times.
func (r *room) publishAt(env *Envelope, ch Change, ahead uint64) error {
	for range 5 {
		ch.Seen = r.pos()
		ch.Seen.Seq = max(ch.Seen.Seq, ahead)
		ahead = 0
		ctx, cancel := r.callContext()
		err := r.node.backend.Publish(ctx, r.id, env, &ch)
		cancel()
		if !errors.Is(err, ErrStale) {
			return err
		}
		r.catchUp()
	}
	return fmt.Errorf("realtime: publish in room %s: %w", r.id, ErrStale)
}
