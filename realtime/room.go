package realtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
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
	// listening counts members per channel as they change (coverage and
	// the listener counts read it).
	listening listeners
	order     []string           // member IDs in join order
	clients   map[string]*Client // local connections by member ID
	// staffClients are the local hosts and interpreters (a client's role
	// does not change): the only ones besides its author that a message
	// not addressed to everyone can reach (visible).
	staffClients map[string]*Client
	event        agenda.Event
	items        []agenda.Item
	cancel       func()
	idle         time.Time // when the last local client left
	closing      bool
	reaped       time.Time // when members of dead instances were last looked for
	// orphans: a member of this instance may be in the roster with no
	// connection here, or a member who left may still be in a booth —
	// a leave that could not be published (the backend failed, or it
	// lost five races with other instances in a mass departure), a join
	// published whose welcome failed, or what an earlier life of the room
	// on this instance left (load). The tick announces those leaves.
	orphans bool
	// arriving is the local client whose join is being delivered (joined):
	// apply takes its member from it rather than decoding the join.
	arriving *Client
	// hearing lists the local clients by the channel whose audio they
	// receive; nil when it must be recomputed.
	hearing map[string][]*Client
	// version counts the changes of what a welcome shows (every applied
	// message, a reset, a new agenda); stateVersion those of the state and
	// agenda only (not arrivals and departures), staffVersion those of the
	// members who are neither participants nor observers. welcomeCache is
	// keyed by them.
	version, stateVersion, staffVersion uint64
	welcomeCache                        *welcomeParts
	lastCounts                          map[string]int
	counted                             time.Time
	// slowedDown is when each local interpreter last asked the floor to
	// slow down (booth.slow_down's own limit).
	slowedDown map[string]time.Time
	// soundAlarmed is when each local interpreter last raised the sound
	// alarm (booth.sound's own limit).
	soundAlarmed map[string]time.Time
	// practiceFirst: the room is a webinar that starts in practice mode
	// (webinar.go), read at load.
	practiceFirst bool
	// qa is this instance's side of the questions and polls (questions.go).
	qa qaLocal
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

func (q joinReq) handle(r *room) {
	// The joins queued right behind this one join with it (joinAll); the
	// first other request found is handled after them, in its turn.
	reqs := []joinReq{q}
	var next request
more:
	for len(reqs) < maxJoinBatch {
		select {
		case req := <-r.inbox:
			if j, ok := req.(joinReq); ok {
				reqs = append(reqs, j)
				continue
			}
			if d, ok := req.(deliveryReq); ok && r.applied(d.env) {
				// The backend's copy of a message the room published
				// (the joins before these): nothing to do, and no reason
				// to cut the batch.
				continue
			}
			next = req
		default:
		}
		break more
	}
	r.joinAll(reqs)
	if next != nil {
		next.handle(r)
	}
}

// leaveReq: a connection's reader ended.
type leaveReq struct{ c *Client }

func (q leaveReq) handle(r *room) {
	delete(r.slowedDown, q.c.member.ID)
	delete(r.soundAlarmed, q.c.member.ID)
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
		members: map[string]Member{}, listening: listeners{}, clients: map[string]*Client{}, staffClients: map[string]*Client{}}
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
		case <-r.qa.due:
			r.qaDue()
		case <-tick.C:
			if r.resync.Swap(false) {
				r.catchUp()
			}
			if r.loaded && r.orphans {
				r.announceOrphans()
			}
			if now := r.node.cfg.Now(); r.loaded && now.Sub(r.reaped) >= r.node.cfg.HeartbeatTTL/2 {
				r.reaped = now
				r.reap()
			}
			if r.loaded {
				r.handoversDue()
				r.qaTick()
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
	r.practiceFirst = practiceFirst(ctx, r.node.info, ev)
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
	r.orphans = true // from an earlier life of the room on this instance
	return nil
}

func (r *room) refreshItems() {
	ctx, cancel := r.callContext()
	defer cancel()
	if a, err := r.node.info.GetAgenda(ctx, r.id); err == nil {
		pub, _ := a.Published() // the room runs the published agenda, not the draft
		r.items = pub.Items
		r.version++
		r.stateVersion++
	}
}

func (r *room) reset(s Snapshot) {
	r.version++
	r.stateVersion++
	r.staffVersion++
	r.seq, r.epoch, r.state = s.Seq, s.Epoch, s.State.Clone()
	r.autoPractice()
	r.ensureBooths(&r.state)
	r.hearing = nil
	r.members, r.order = map[string]Member{}, nil
	for _, m := range s.Roster {
		r.members[m.ID] = m
		r.order = append(r.order, m.ID)
	}
	r.listening = countListeners(r.members)
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
	if r.practicing(c.member) {
		return ErrNotStarted
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
	return r.joined(c, since, join)
}

// maxJoinBatch bounds the joins published together.
const maxJoinBatch = 256

// joinAll joins clients that queued up at once (a join storm): with a
// backend that can (JoinPublisher), their joins are published in one
// call — one durable write for all of them instead of one each — and
// then each client is welcomed as join would. A join that must go alone
// (a resume from further than the room's position), and every join when
// the batch publish fails, takes the single path.
func (r *room) joinAll(reqs []joinReq) {
	jp, ok := r.node.backend.(JoinPublisher)
	if !ok || len(reqs) == 1 {
		for _, q := range reqs {
			q.done <- r.join(q.c, q.since)
		}
		return
	}
	if !r.loaded {
		if err := r.load(); err != nil {
			r.node.log.Warn("room: load", "room", r.id, "err", err)
			for _, q := range reqs {
				q.done <- err
			}
			return
		}
	}
	var group, alone []joinReq
	for _, q := range reqs {
		switch {
		case slices.Contains(r.state.Banned, banKey(r.id, q.c.member.Subject)):
			q.done <- errBanned
		case r.practicing(q.c.member):
			q.done <- ErrNotStarted
		case q.since != nil && q.since.Epoch == r.epoch && q.since.Seq > r.seq:
			alone = append(alone, q)
		default:
			group = append(group, q)
		}
	}
	envs := make([]*Envelope, len(group))
	members := make([]*Member, len(group))
	for i, q := range group {
		q.c.member.Channel = r.defaultChannel(q.c.member)
		if q.c.member.Role == RoleInterpreter {
			q.c.member.Channel = interpretation.Floor
		}
		m := q.c.member
		to := ToEveryone
		if len(r.members)+i >= r.node.cfg.PresenceLimit && (m.Role == RoleParticipant || m.Role == RoleObserver) {
			to = ToHosts // as presenceAudience, with the joins before it counted
		}
		members[i] = &m
		envs[i] = &Envelope{Type: MsgJoin, From: m.ID, To: to, Data: mustJSON(m)}
	}
	if len(group) > 0 {
		ctx, cancel := r.callContext()
		err := jp.PublishJoins(ctx, r.id, r.pos(), envs, members)
		cancel()
		if err != nil {
			alone = append(alone, group...) // nothing was published
			group = nil
		}
	}
	for i, q := range group {
		q.done <- r.joined(q.c, q.since, *envs[i])
	}
	for _, q := range alone {
		q.done <- r.join(q.c, q.since)
	}
}

// joined delivers a published join and brings its client up to date:
// the messages it missed when since is a position in the room's log,
// else a welcome.
func (r *room) joined(c *Client, since *Position, join Envelope) error {
	m := c.member
	r.arriving = c
	r.deliver(join)
	r.arriving = nil
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
			r.qaResumed(c)
			r.admit(c)
			return nil
		}
		if !errors.Is(err, ErrGap) {
			r.orphans = true // its join is published: the tick announces its leave
			return err
		}
	}
	r.sendEncoded(c, r.welcome(c))
	r.admit(c)
	return nil
}

// admit makes c a local client of the room; an interpreter with a booth
// enters it.
func (r *room) admit(c *Client) {
	r.clients[c.member.ID] = c
	r.attendArrive(c)
	if c.member.Role == RoleHost || c.member.Role == RoleInterpreter {
		r.staffClients[c.member.ID] = c
	}
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
	Webinar        Webinar     `json:"webinar"`
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

// welcomeParts are the parts of a welcome that are the same for every
// client, encoded once per version of the room (see room.version): a
// join storm of thousands encodes the event, agenda and roster once per
// change, not once per client.
type welcomeParts struct {
	stateVersion uint64
	event        []byte // eventInfo
	tail         []byte // ,"floor":…,"agenda":…,"interpretation":…
	// roster is the whole roster (rooms up to PresenceLimit, and hosts),
	// built when first needed for version; staff the members a partial
	// roster lists (neither participants nor observers), with their places
	// in order, for staffVersion.
	version, staffVersion uint64
	roster                []byte
	staff                 []placedMember
	staffB                bool // staff is built
}

// staff reports whether a partial roster lists members of role.
func staff(role Role) bool { return role != RoleParticipant && role != RoleObserver }

type placedMember struct {
	at   int // index in room.order
	json []byte
}

// welcome encodes c's welcome: the room as a new connection first sees it.
func (r *room) welcome(c *Client) []byte {
	wp := r.welcomeCache
	if wp == nil || wp.stateVersion != r.stateVersion {
		wp = &welcomeParts{stateVersion: r.stateVersion}
		wp.event = mustJSON(eventInfo{ID: r.event.ID, Title: r.event.Title, Start: r.event.Start, End: r.event.End,
			TimeZone: r.event.TimeZone, Languages: r.event.Languages})
		items := r.items
		if items == nil {
			items = []agenda.Item{}
		}
		tail := []byte(`,"floor":`)
		tail = append(tail, mustJSON(r.state.Floor)...)
		tail = append(tail, `,"agenda":`...)
		tail = append(tail, mustJSON(agendaState{Items: items, Progress: r.state.Agenda})...)
		tail = append(tail, `,"webinar":`...)
		tail = append(tail, mustJSON(r.state.Webinar)...)
		tail = append(tail, `,"interpretation":`...)
		tail = append(tail, mustJSON(r.interpView(r.state))...)
		if r.state.Announcement != nil {
			tail = append(tail, `,"announcement":`...)
			tail = append(tail, mustJSON(r.state.Announcement)...)
		}
		wp.tail = tail
		r.welcomeCache = wp
	}
	partial := len(r.order) > r.node.cfg.PresenceLimit && c.member.Role != RoleHost
	b := make([]byte, 0, 512+len(wp.tail)+len(wp.event))
	b = append(b, `{"type":"welcome","room":`...)
	b = append(b, mustJSON(r.id)...)
	if r.seq != 0 {
		b = append(b, `,"seq":`...)
		b = strconv.AppendUint(b, r.seq, 10)
	}
	b = append(b, `,"data":{"protocol":`...)
	b = strconv.AppendInt(b, ProtocolVersion, 10)
	b = append(b, `,"you":`...)
	b = append(b, mustJSON(c.member)...)
	b = append(b, `,"event":`...)
	b = append(b, wp.event...)
	b = append(b, `,"roster":`...)
	if !partial {
		if wp.roster == nil || wp.version != r.version {
			wp.version = r.version
			roster := make([]Member, 0, len(r.order))
			for _, id := range r.order {
				roster = append(roster, r.members[id])
			}
			wp.roster = mustJSON(roster)
		}
		b = append(b, wp.roster...)
	} else {
		if !wp.staffB || wp.staffVersion != r.staffVersion {
			wp.staff, wp.staffB, wp.staffVersion = nil, true, r.staffVersion
			for i, id := range r.order {
				if m := r.members[id]; staff(m.Role) {
					wp.staff = append(wp.staff, placedMember{at: i, json: mustJSON(m)})
				}
			}
		}
		// The client itself is listed where it stands in the order: last,
		// when it has just joined; elsewhere (a welcome again, after a
		// restart), the staff's places are taken afresh.
		staffList := wp.staff
		var self []byte
		at := -1
		if m, ok := r.members[c.member.ID]; ok && !staff(m.Role) {
			self = mustJSON(m)
			if at = len(r.order) - 1; r.order[at] != c.member.ID {
				at = slices.Index(r.order, c.member.ID)
				staffList = nil
				for i, id := range r.order {
					if m := r.members[id]; staff(m.Role) {
						staffList = append(staffList, placedMember{at: i, json: mustJSON(m)})
					}
				}
			} else {
				at = math.MaxInt // after every staff member
			}
		}
		b = append(b, '[')
		n := 0
		add := func(j []byte) {
			if n > 0 {
				b = append(b, ',')
			}
			b = append(b, j...)
			n++
		}
		for _, s := range staffList {
			if self != nil && at < s.at {
				add(self)
				self = nil
			}
			add(s.json)
		}
		if self != nil {
			add(self)
		}
		b = append(b, ']')
	}
	b = append(b, `,"members":`...)
	b = strconv.AppendInt(b, int64(len(r.order)), 10)
	if partial {
		b = append(b, `,"roster_partial":true`...)
	}
	b = append(b, wp.tail...)
	b = append(b, r.qaWelcome(c)...)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, r.seq, 10)
	b = append(b, `,"epoch":`...)
	b = append(b, mustJSON(r.epoch)...)
	return append(b, '}', '}')
}

// visible reports whether env is addressed to c. A message not to
// everyone reaches only the clients fanout looks at (staffClients, the
// author, the speaker): keep the two in step.
func (r *room) visible(c *Client, env Envelope) bool {
	if env.To == ToEveryone || c.member.Role == RoleHost || env.From == c.member.ID {
		return true
	}
	switch {
	case env.To == ToStaff || env.To == ToInterpreters:
		return c.member.Role == RoleInterpreter
	case strings.HasPrefix(env.To, ToBooth):
		return c.member.Role == RoleInterpreter && env.To == ToBooth+c.member.Booth
	case env.To == ToStage:
		return c.member.Role == RoleSpeaker
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
	r.sendEncoded(c, b)
}

// sendEncoded queues an encoded message for c; a full queue drops the
// client.
func (r *room) sendEncoded(c *Client, b []byte) {
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
	delete(r.staffClients, c.member.ID)
	r.attendLeave(c)
	r.hearing = nil
	if code == CloseSlowConsumer {
		c.discard.Store(true)
	}
	c.closeSend(code, text)
	reason := map[int]string{CloseSlowConsumer: "slow", CloseRemoved: "removed", websocket.CloseGoingAway: "shutdown"}[code]
	if reason == "" {
		reason = "left"
	}
	r.announceLeave(c.member, reason, false)
}

// announceLeave publishes that m left the room (reason as leaveData's),
// then takes them out of their booth. With ifListed, only while the
// roster still lists m as held by the same instance (another instance may
// have announced it, or m joined again elsewhere). What could not be
// published leaves r.orphans set, for the tick to announce.
func (r *room) announceLeave(m Member, reason string, ifListed bool) {
	err := r.publishState(func(st *State) (Envelope, *Error) {
		if cur, ok := r.members[m.ID]; ifListed && (!ok || cur.Instance != m.Instance) {
			return Envelope{}, errGone
		}
		removeFromFloor(st, m.ID)
		return Envelope{Type: MsgLeave, From: m.ID, To: r.presenceAudience(m),
			Data: mustJSON(leaveData{ID: m.ID, Reason: reason})}, nil
	}, &Change{Leave: m.ID})
	if err != nil && err != errGone {
		r.orphans = true
		r.node.log.Warn("room: publish leave", "room", r.id, "member", m.ID, "err", err)
	}
	r.leaveBooth(m.ID, m.Booth)
}

// errGone: the member whose leave was to be announced is no longer there.
var errGone = errorf(ErrInvalidState, "already gone")

// leaveBooth takes id out of the booth of language, when they are in it.
func (r *room) leaveBooth(id, language string) {
	if b, ok := r.state.Interp.Booths[language]; !ok || !b.Has(id) {
		return
	}
	if e := r.publishInterp(id, func(st *State) error {
		if b, ok := st.Interp.Booths[language]; ok && b.Has(id) {
			b.Leave(id)
			return nil
		}
		return errGone
	}); e != nil && e != errGone {
		r.orphans = true
		r.node.log.Warn("room: publish booth leave", "room", r.id, "member", id, "err", e)
	}
}

// announceOrphans announces the leave of every member this instance holds
// in the roster without a connection here, and takes out of the booths
// whoever the roster no longer lists.
func (r *room) announceOrphans() {
	r.orphans = false
	for _, id := range slices.Clone(r.order) {
		m, ok := r.members[id]
		if _, here := r.clients[id]; ok && !here && m.Instance == r.node.cfg.Instance {
			r.announceLeave(m, "left", true)
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(r.state.Interp.Booths)) {
		for _, in := range slices.Clone(r.state.Interp.Booths[lang].Interpreters) {
			if _, listed := r.members[in.ID]; !listed {
				r.leaveBooth(in.ID, lang)
			}
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
		if m, ok := r.members[id]; ok && slices.Contains(dead, m.Instance) {
			r.announceLeave(m, "timeout", true) // unless another instance reaped it first
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

// fanout queues env for every local client it is addressed to. The
// message is encoded once, when its first recipient is found: in a large
// room, a participant's arrival reaches only the hosts (presenceAudience),
// and with none on this instance a join storm encodes nothing.
func (r *room) fanout(env Envelope) {
	if len(r.clients) == 0 {
		return
	}
	var msg *outMsg
	var slow []*Client
	// A message for everyone in a large room may wait for the write delay
	// (writeShard): the next messages share its write.
	relaxed := (env.To == ToEveryone || env.To == ToStage) && len(r.clients) >= r.node.cfg.PresenceLimit
	to := func(c *Client) {
		if msg == nil {
			b, err := json.Marshal(env)
			if err != nil {
				r.node.log.Error("room: encode", "room", r.id, "err", err)
				msg = &outMsg{} // sends nothing: see below
			} else {
				msg = shared(b, false)
				msg.relaxed = relaxed
			}
		}
		if msg.data != nil && !c.enqueue(msg) {
			slow = append(slow, c)
		}
	}
	reach := r.clients
	if env.To != ToEveryone && env.To != ToStage { // the stage: speakers are not staff clients, so all
		// Hosts, interpreters, the author and (ToSpeaker) the floor's
		// speaker only (visible): in a large room, a participant's arrival
		// is not a walk over everyone.
		reach = r.staffClients
		others := [2]string{env.From}
		if env.To == ToSpeaker && r.state.Floor.Speaker != env.From {
			others[1] = r.state.Floor.Speaker
		}
		for _, id := range others {
			if c, ok := r.clients[id]; ok && id != "" && r.staffClients[id] == nil && r.visible(c, env) {
				to(c)
			}
		}
	}
	for _, c := range reach {
		if r.visible(c, env) {
			to(c)
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
		r.noteEphemeral(env)
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

// applied reports whether env is a logged message the room has applied
// already (deliver would ignore it): typically the backend's copy of one
// the room published itself.
func (r *room) applied(env Envelope) bool {
	return env.Seq != 0 && env.Epoch == r.epoch && env.Seq <= r.seq
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
		r.sendEncoded(c, r.welcome(c))
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
	r.version++
	switch env.Type {
	case MsgJoin, MsgMember:
		// the state does not change; the staff may (below)
	case MsgLeave:
		r.stateVersion++ // the floor may lose its speaker or a hand
	default:
		r.stateVersion++
	}
	defer r.cover(env)
	switch env.Type {
	case MsgInterp:
		var v interpView
		if json.Unmarshal(env.Data, &v) != nil {
			return
		}
		r.state.Interp.FloorLanguage = v.FloorLanguage
		r.state.Interp.ShiftWarning = v.SessionShiftWarning
		r.ensureBooths(&r.state)
		for _, b := range v.Booths {
			b := b.Clone()
			r.state.Interp.Booths[b.Language] = &b
		}
	case MsgJoin, MsgMember:
		var m Member
		if a := r.arriving; env.Type == MsgJoin && a != nil && a.member.ID == env.From {
			m = a.member // what the join's data encodes, with its strings shared, not decoded again
		} else if json.Unmarshal(env.Data, &m) != nil {
			return
		}
		old, known := r.members[m.ID]
		if known {
			m.Subject, m.Instance = old.Subject, old.Instance
		} else if env.Type == MsgJoin {
			r.order = append(r.order, m.ID)
		} else {
			return
		}
		if c, ok := r.clients[m.ID]; ok {
			m.Subject, m.Instance = c.member.Subject, c.member.Instance
			c.member.Muted, c.member.Channel, c.member.Original, c.member.Stage = m.Muted, m.Channel, m.Original, m.Stage
			r.attendChannel(c)
		}
		if known {
			r.listening.add(old, -1)
		}
		r.listening.add(m, 1)
		if staff(m.Role) || known && staff(old.Role) {
			r.staffVersion++
		}
		r.members[m.ID] = m
	case MsgLeave:
		var d leaveData
		if json.Unmarshal(env.Data, &d) != nil {
			return
		}
		if old, ok := r.members[d.ID]; ok {
			r.listening.add(old, -1)
			if staff(old.Role) {
				r.staffVersion++
			}
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
	case MsgAnnouncement:
		var a Announcement
		if json.Unmarshal(env.Data, &a) == nil {
			r.state.Announcement = &a
			if len(a.Text) == 0 {
				r.state.Announcement = nil
			}
		}
	case MsgWebinar:
		var w Webinar
		if json.Unmarshal(env.Data, &w) == nil {
			r.state.Webinar = w
		}
	case MsgQA, MsgQuestion, MsgQuestionVotes, MsgPoll:
		r.applyQA(env)
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
