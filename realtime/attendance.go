package realtime

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/attendance"
)

// Attendance: the room tells the recorder when one of this instance's
// connections arrives, changes channel and leaves (three one-line hooks:
// admit, apply, drop); the recorder turns that into visits and writes
// them to the store in batches, with a beat per event while visits are
// open here (see package attendance). Each instance records its own
// connections only, so a visit has one writer.

// Recorder bounds: marks waiting for the store (beyond it a mark is lost
// and counted, never waited for: the room does not block on the store),
// and marks written in one batch.
const (
	attendanceQueue = 8192
	attendanceBatch = 512
)

// attendanceGather is how long a batch waits for more marks after its
// first: visits are read in reports, minutes later, never at once.
const attendanceGather = 250 * time.Millisecond

// attendanceRetries is how often a failed batch is tried again, a second
// apart, before it is given up (and logged).
const attendanceRetries = 3

// markKind is what happened to a connection.
type markKind uint8

const (
	markArrive markKind = iota
	markChannel
	markLeave
)

// mark is one thing a room tells the recorder.
type mark struct {
	kind markKind
	room string
	m    Member // arrive: the member; channel: ID and Channel; leave: ID
	at   time.Time
}

// recorder writes the visits of this instance's connections.
//
// Its goroutine (run) owns the open visits and is the only reader of in;
// rooms send to in without blocking (post). close closes in once, after
// every room has stopped, and waits for the last batch.
type recorder struct {
	store    attendance.Store
	instance string
	log      *slog.Logger
	in       chan mark
	lost     atomic.Int64 // marks dropped on a full queue, since last logged
	once     sync.Once
	done     chan struct{}
}

// newRecorder starts a recorder over info when it keeps attendance, else
// returns nil (nothing is recorded; the hooks do nothing).
func newRecorder(info Info, cfg Config) *recorder {
	st, ok := info.(attendance.Store)
	if !ok {
		return nil
	}
	rec := &recorder{store: st, instance: cfg.Instance, log: cfg.Logger, in: make(chan mark, attendanceQueue), done: make(chan struct{})}
	go rec.run()
	return rec
}

// post queues a mark without waiting. Room goroutines only.
func (rec *recorder) post(mk mark) {
	if rec == nil {
		return
	}
	select {
	case rec.in <- mk:
	default:
		rec.lost.Add(1)
	}
}

// close writes what is queued and stops the recorder; call it once no
// room runs.
func (rec *recorder) close() {
	if rec == nil {
		return
	}
	rec.once.Do(func() { close(rec.in) })
	<-rec.done
}

// attendArrive, attendChannel and attendLeave are the room's hooks: c, a
// local connection, arrived, listens to its channel now, or left. Only a
// webinar's room records (the reports issue 16 asks for): who listens to
// a meeting, public ones included, is kept nowhere.
func (r *room) attendArrive(c *Client) {
	if r.records() {
		r.node.attend.post(mark{kind: markArrive, room: r.id, m: c.member, at: r.node.cfg.Now()})
	}
}

func (r *room) attendChannel(c *Client) {
	if r.records() {
		r.node.attend.post(mark{kind: markChannel, room: r.id, m: Member{ID: c.member.ID, Channel: c.member.Channel}})
	}
}

func (r *room) attendLeave(c *Client) {
	if r.records() {
		r.node.attend.post(mark{kind: markLeave, room: r.id, m: Member{ID: c.member.ID}, at: r.node.cfg.Now()})
	}
}

// records reports whether the room records attendance: a webinar's.
func (r *room) records() bool { return r.event.Kind == agenda.KindWebinar }

// run is the recorder goroutine: it takes the marks that come within
// attendanceGather, up to attendanceBatch, writes them as one batch, and beats every
// attendance.BeatEvery for the events with visits open here. It returns
// once in is closed and drained.
func (rec *recorder) run() {
	defer close(rec.done)
	open := map[string]*attendance.Visit{}
	tick := time.NewTicker(attendance.BeatEvery)
	defer tick.Stop()
	for {
		select {
		case mk, ok := <-rec.in:
			if !ok {
				return
			}
			p := pending{open: open}
			p.apply(rec, mk)
			closed := rec.gather(&p)
			rec.write(p.batch())
			if closed {
				return
			}
		case now := <-tick.C:
			var b attendance.Batch
			for _, v := range open {
				if !slices.ContainsFunc(b.Beats, func(bt attendance.Beat) bool { return bt.Event == v.Event }) {
					b.Beats = append(b.Beats, attendance.Beat{Event: v.Event, Instance: rec.instance, At: stampMS(now)})
				}
			}
			if len(b.Beats) > 0 {
				rec.write(b)
			}
		}
	}
}

// gather adds to p the marks that come within attendanceGather of its
// first, up to attendanceBatch: a crowd arriving is a few writes to the
// store, not one a connection (each is an fsync, on the disk the rooms'
// logs use too). It reports whether in was closed.
func (rec *recorder) gather(p *pending) (closed bool) {
	wait := time.NewTimer(attendanceGather)
	defer wait.Stop()
	for range attendanceBatch - 1 {
		select {
		case mk, ok := <-rec.in:
			if !ok {
				return true
			}
			p.apply(rec, mk)
		case <-wait.C:
			return false
		}
	}
	return false
}

// pending is a batch being made: the visits it touches, in order, and
// which of them arrived in it.
type pending struct {
	open    map[string]*attendance.Visit
	order   []*attendance.Visit
	arrived map[*attendance.Visit]bool
	left    []string
}

func stampMS(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// apply changes the open visits for one mark.
func (p *pending) apply(rec *recorder, mk mark) {
	if p.arrived == nil {
		p.arrived = map[*attendance.Visit]bool{}
	}
	touch := func(v *attendance.Visit) {
		if !slices.Contains(p.order, v) {
			p.order = append(p.order, v)
		}
	}
	if mk.kind == markArrive {
		person := mk.m.Subject
		if person == "" {
			person = "anonymous:" + mk.m.ID
		}
		v := &attendance.Visit{Event: mk.room, ID: mk.m.ID, Person: person, Name: mk.m.Name, Role: string(mk.m.Role),
			Instance: rec.instance, Joined: stampMS(mk.at), Channels: []string{}}
		if mk.m.Channel != "" {
			v.Channels = append(v.Channels, mk.m.Channel)
		}
		p.open[mk.m.ID] = v
		p.arrived[v] = true
		touch(v)
		return
	}
	v, ok := p.open[mk.m.ID]
	if !ok {
		return // arrived before a restart, or its arrival was lost
	}
	switch mk.kind {
	case markChannel:
		if mk.m.Channel == "" || slices.Contains(v.Channels, mk.m.Channel) || len(v.Channels) >= attendance.MaxChannels {
			return
		}
		v.Channels = append(v.Channels, mk.m.Channel)
	case markLeave:
		v.Left = stampMS(mk.at)
		p.left = append(p.left, mk.m.ID)
	}
	touch(v)
}

// batch returns the pending writes, copied, and forgets the visits that
// ended.
func (p *pending) batch() attendance.Batch {
	var b attendance.Batch
	for _, v := range p.order {
		c := *v
		c.Channels = slices.Clone(v.Channels)
		if p.arrived[v] {
			b.Arrived = append(b.Arrived, c)
		} else {
			b.Changed = append(b.Changed, c)
		}
	}
	for _, id := range p.left {
		delete(p.open, id)
	}
	// An arrival beats for its event at once: an instance that dies in its
	// first BeatEvery still ends its visits after their start.
	for _, v := range b.Arrived {
		if !slices.ContainsFunc(b.Beats, func(bt attendance.Beat) bool { return bt.Event == v.Event }) {
			b.Beats = append(b.Beats, attendance.Beat{Event: v.Event, Instance: v.Instance, At: v.Joined})
		}
	}
	return b
}

// write stores a batch, trying again a few times; what cannot be stored
// is logged, not kept (the room must never wait for attendance).
func (rec *recorder) write(b attendance.Batch) {
	if n := rec.lost.Swap(0); n > 0 {
		rec.log.Warn("attendance: queue full; marks lost", "marks", n)
	}
	var err error
	for i := range attendanceRetries {
		if i > 0 {
			time.Sleep(time.Second)
		}
		ctx, cancel := context.WithTimeout(context.Background(), backendTimeout)
		err = rec.store.RecordVisits(ctx, b)
		cancel()
		if err == nil {
			return
		}
	}
	rec.log.Warn("attendance: visits not recorded", "visits", len(b.Arrived)+len(b.Changed), "err", err)
}
