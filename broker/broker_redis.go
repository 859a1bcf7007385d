package broker

import (
	"cmp"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/internal/redisconn"
	"github.com/majlis/majlis/realtime"
)

// RedisConfig tunes a Redis broker.
type RedisConfig struct {
	// Prefix namespaces every key and channel, so that several
	// deployments (or tests) can share one Redis. Default "majlis:".
	Prefix string
	// LogSize is how many messages each room's log keeps (trimmed
	// exactly, as the in-process broker does). Default 1000.
	LogSize int
	// RoomTTL is how long a room's keys outlive its last message. Default
	// 30 days.
	RoomTTL time.Duration
	// Logger receives connection problems. Default slog.Default().
	Logger *slog.Logger
	// SkipDurabilityCheck lets NewRedis accept a Redis that could lose
	// acknowledged messages (AOF off, appendfsync not always, an
	// allkeys-* eviction policy). Default false: refused.
	SkipDurabilityCheck bool
}

// Redis is the realtime.Backend shared by every majlis instance of a
// scale-out deployment. Per room R, under the prefix P:
//
//	P:room:{R}:seq     the last seq (string)
//	P:room:{R}:epoch   the log's epoch (string; see realtime.Position)
//	P:room:{R}:log     the capped log, a stream whose entry IDs are "<seq>-0"
//	P:room:{R}:state   the room state (JSON)
//	P:room:{R}:roster  member ID → "<join seq>|<member JSON>"
//	P:room:{R}         the pub/sub channel: "<seq>|<ts>|<epoch>|<envelope JSON>"
//	P:instance:<id>    present while the instance's heartbeat lasts
//
// A room whose epoch key is missing (its keys expired, were deleted or
// evicted) gets a new epoch and an empty log from the first script that
// touches it: positions in the lost log can never be taken for positions
// in the new one, whose seqs start again.
//
// Every publish is one Lua script (lua/room_publish.lua): check, count,
// log, store, announce, in one atomic step, so that seq order, log order and announcement order
// agree across instances. Joins that queue up in a room (a join storm) are
// published together by one script (lua/room_publish_joins.lua). Pub/sub is at-most-once: a room that misses
// announcements (a reconnection, a full queue) refills from the log.
//
// One receiver goroutine per process reads the pub/sub connection and
// never blocks on a room; it reconnects with back-off and then asks every
// room to resync. Close stops it.
type Redis struct {
	cfg    RedisConfig
	client *redis.Client
	log    *slog.Logger
	ps     *redis.PubSub

	mu     sync.RWMutex
	subs   map[string]map[int]*subscriber // by channel
	nextID int

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

type subscriber = realtime.Subscriber

var _ realtime.Backend = (*Redis)(nil)

// NewRedis connects to the Redis at url (redis://[user:pass@]host:port/db),
// checks that it keeps what it acknowledges (as the store does; see
// RedisConfig.SkipDurabilityCheck), and starts the pub/sub receiver.
func NewRedis(ctx context.Context, url string, cfg RedisConfig) (*Redis, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "majlis:"
	}
	if cfg.LogSize <= 0 {
		cfg.LogSize = 1000
	}
	if cfg.RoomTTL <= 0 {
		cfg.RoomTTL = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	client, err := redisconn.Open(ctx, "broker", url, redisconn.Config{SkipDurabilityCheck: cfg.SkipDurabilityCheck})
	if err != nil {
		return nil, err
	}
	b := &Redis{cfg: cfg, client: client, log: cfg.Logger, subs: map[string]map[int]*subscriber{},
		stop: make(chan struct{}), done: make(chan struct{})}
	b.ps = client.Subscribe(context.Background())
	go b.receive()
	return b, nil
}

// Close stops the receiver and closes the connections.
func (b *Redis) Close() error {
	b.once.Do(func() {
		close(b.stop)
		b.ps.Close()
		<-b.done
	})
	return b.client.Close()
}

func (b *Redis) key(room, part string) string { return b.cfg.Prefix + "room:{" + room + "}:" + part }
func (b *Redis) channel(room string) string   { return b.cfg.Prefix + "room:{" + room + "}" }
func (b *Redis) audio(room string) string     { return b.cfg.Prefix + "room:{" + room + "}:audio" }

func (b *Redis) keys(room string) []string {
	return []string{b.key(room, "seq"), b.key(room, "log"), b.key(room, "state"), b.key(room, "roster"), b.key(room, "epoch")}
}

// The room scripts; each names its KEYS and ARGV at the top, and is called
// with them in that order. lua/lib.lua, the functions they share, is put
// in front of each.
var (
	//go:embed lua/lib.lua
	libLua string
	//go:embed lua/room_publish.lua
	publishLua    string
	publishScript = redis.NewScript(libLua + publishLua)
	//go:embed lua/room_publish_joins.lua
	joinsLua    string
	joinsScript = redis.NewScript(libLua + joinsLua)
	//go:embed lua/room_snapshot.lua
	snapshotLua    string
	snapshotScript = redis.NewScript(libLua + snapshotLua)
	//go:embed lua/room_history.lua
	historyLua    string
	historyScript = redis.NewScript(libLua + historyLua)
)

// Publish implements realtime.Backend.
func (b *Redis) Publish(ctx context.Context, room string, env *realtime.Envelope, ch *realtime.Change) error {
	env.Seq, env.TS, env.Room, env.Epoch = 0, 0, room, ""
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("broker: encode: %w", err)
	}
	if ch == nil {
		ch = &realtime.Change{}
	}
	check := "0"
	if ch.Check {
		check = "1"
	}
	var state, join, update []byte
	if ch.State != nil {
		if state, err = json.Marshal(ch.State); err != nil {
			return fmt.Errorf("broker: encode state: %w", err)
		}
	}
	var joinID, updateID string
	if ch.Join != nil {
		if join, err = json.Marshal(ch.Join); err != nil {
			return fmt.Errorf("broker: encode member: %w", err)
		}
		joinID = ch.Join.ID
	}
	if ch.Update != nil {
		if update, err = json.Marshal(ch.Update); err != nil {
			return fmt.Errorf("broker: encode member: %w", err)
		}
		updateID = ch.Update.ID
	}
	res, err := publishScript.Run(ctx, b.client, b.keys(room),
		check,
		ch.Seen.Seq,
		ch.Seen.Epoch,
		newEpoch(),
		body,
		state,
		joinID,
		join,
		ch.Leave,
		updateID,
		update,
		b.cfg.LogSize,
		b.channel(room),
		b.cfg.RoomTTL.Milliseconds(),
	).Slice()
	if err != nil {
		return fmt.Errorf("broker: redis publish: %w", err)
	}
	seq, ts, epoch, ok := publishReply(res)
	if !ok {
		return fmt.Errorf("broker: redis publish: unexpected reply %v", res)
	}
	if seq < 0 {
		return fmt.Errorf("%w (log at %d in epoch %s; seen %d in %s)", realtime.ErrStale, ts, epoch, ch.Seen.Seq, ch.Seen.Epoch)
	}
	env.Seq, env.TS, env.Epoch = uint64(seq), ts, epoch
	return nil
}

var _ realtime.JoinPublisher = (*Redis)(nil)

// PublishJoins implements realtime.JoinPublisher: one script
// (lua/room_publish_joins.lua) logs, stores and announces every join, in
// one round trip and one durable write.
func (b *Redis) PublishJoins(ctx context.Context, room string, seen realtime.Position, envs []*realtime.Envelope, members []*realtime.Member) error {
	if len(envs) != len(members) {
		return fmt.Errorf("broker: publish joins: %d messages for %d members", len(envs), len(members))
	}
	args := make([]any, 0, 6+3*len(envs))
	args = append(args,
		seen.Seq,
		seen.Epoch,
		newEpoch(),
		b.cfg.LogSize,
		b.channel(room),
		b.cfg.RoomTTL.Milliseconds(),
	)
	for i, env := range envs {
		env.Seq, env.TS, env.Room, env.Epoch = 0, 0, room, ""
		body, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("broker: encode: %w", err)
		}
		member, err := json.Marshal(members[i])
		if err != nil {
			return fmt.Errorf("broker: encode member: %w", err)
		}
		args = append(args, body, members[i].ID, member)
	}
	res, err := joinsScript.Run(ctx, b.client, b.keys(room), args...).Slice()
	if err != nil {
		return fmt.Errorf("broker: redis publish joins: %w", err)
	}
	first, ts, epoch, ok := publishReply(res)
	if !ok {
		return fmt.Errorf("broker: redis publish joins: unexpected reply %v", res)
	}
	if first < 0 {
		return fmt.Errorf("%w (log at %d in epoch %s; seen %d in %s)", realtime.ErrStale, ts, epoch, seen.Seq, seen.Epoch)
	}
	for i, env := range envs {
		env.Seq, env.TS, env.Epoch = uint64(first)+uint64(i), ts, epoch
	}
	return nil
}

// publishReply reads the publish script's {seq, ts, epoch}, or
// {-1, current seq, epoch} when it refused.
func publishReply(res []any) (seq, ts int64, epoch string, ok bool) {
	if len(res) != 3 {
		return 0, 0, "", false
	}
	seq, ok1 := res[0].(int64)
	ts, ok2 := res[1].(int64)
	epoch, ok3 := res[2].(string)
	return seq, ts, epoch, ok1 && ok2 && ok3
}

// Announce implements realtime.Backend.
func (b *Redis) Announce(ctx context.Context, room string, env *realtime.Envelope) error {
	env.Seq, env.Room, env.Epoch = 0, room, ""
	env.TS = time.Now().UnixMilli()
	body, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("broker: encode: %w", err)
	}
	if err := b.client.Publish(ctx, b.channel(room), "0|"+strconv.FormatInt(env.TS, 10)+"||"+string(body)).Err(); err != nil {
		return fmt.Errorf("broker: redis announce: %w", err)
	}
	return nil
}

// Snapshot implements realtime.Backend.
func (b *Redis) Snapshot(ctx context.Context, room string) (realtime.Snapshot, error) {
	res, err := snapshotScript.Run(ctx, b.client, b.keys(room),
		newEpoch(),
		b.cfg.RoomTTL.Milliseconds(),
	).Slice()
	if err != nil {
		return realtime.Snapshot{}, fmt.Errorf("broker: redis snapshot: %w", err)
	}
	if len(res) != 4 {
		return realtime.Snapshot{}, fmt.Errorf("broker: redis snapshot: unexpected reply %v", res)
	}
	var s realtime.Snapshot
	seqText, _ := res[0].(string)
	if s.Seq, err = strconv.ParseUint(seqText, 10, 64); err != nil {
		return realtime.Snapshot{}, fmt.Errorf("broker: redis snapshot: bad seq %q", seqText)
	}
	s.Epoch, _ = res[1].(string)
	if st, _ := res[2].(string); st != "" {
		if err := json.Unmarshal([]byte(st), &s.State); err != nil {
			return realtime.Snapshot{}, fmt.Errorf("broker: redis snapshot: state: %w", err)
		}
	}
	flat, _ := res[3].([]any)
	type joined struct {
		seq uint64
		m   realtime.Member
	}
	var roster []joined
	for i := 0; i+1 < len(flat); i += 2 {
		v, _ := flat[i+1].(string)
		seqText, body, ok := strings.Cut(v, "|")
		if !ok {
			continue
		}
		var j joined
		j.seq, _ = strconv.ParseUint(seqText, 10, 64)
		if json.Unmarshal([]byte(body), &j.m) != nil {
			continue
		}
		roster = append(roster, j)
	}
	slices.SortFunc(roster, func(x, y joined) int { return cmp.Compare(x.seq, y.seq) })
	for _, j := range roster {
		s.Roster = append(s.Roster, j.m)
	}
	return s, nil
}

// History implements realtime.Backend.
func (b *Redis) History(ctx context.Context, room string, since realtime.Position) ([]realtime.Envelope, error) {
	res, err := historyScript.Run(ctx, b.client, []string{b.key(room, "seq"), b.key(room, "log"), b.key(room, "epoch")},
		since.Seq,
		since.Epoch,
		newEpoch(),
		b.cfg.RoomTTL.Milliseconds(),
	).Slice()
	if err != nil {
		return nil, fmt.Errorf("broker: redis history: %w", err)
	}
	status, _ := res[0].(string)
	switch status {
	case "epoch":
		return nil, realtime.ErrEpoch
	case "gap":
		return nil, realtime.ErrGap
	case "ok":
	default:
		return nil, fmt.Errorf("broker: redis history: unexpected reply %v", res)
	}
	out := make([]realtime.Envelope, 0, (len(res)-1)/3)
	for i := 1; i+2 < len(res); i += 3 {
		id, _ := res[i].(string)
		body, _ := res[i+1].(string)
		tsText, _ := res[i+2].(string)
		seqText, _, _ := strings.Cut(id, "-")
		var env realtime.Envelope
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			return nil, fmt.Errorf("broker: redis history: entry %s: %w", id, err)
		}
		env.Seq, _ = strconv.ParseUint(seqText, 10, 64)
		env.TS, _ = strconv.ParseInt(tsText, 10, 64)
		env.Epoch = since.Epoch
		out = append(out, env)
	}
	return out, nil
}

// Subscribe implements realtime.Backend. The first subscriber of a room
// subscribes this process to its channels (messages and audio); the last
// one's cancel unsubscribes. Each confirmation of the subscription (the
// first, and every one after a reconnection) calls Resync.
func (b *Redis) Subscribe(ctx context.Context, room string, s realtime.Subscriber) (func(), error) {
	ch := b.channel(room)
	b.mu.Lock()
	first := len(b.subs[ch]) == 0
	if first {
		b.subs[ch] = map[int]*subscriber{}
	}
	id := b.nextID
	b.nextID++
	b.subs[ch][id] = &s
	b.mu.Unlock()
	if first {
		if err := b.ps.Subscribe(ctx, ch, b.audio(room)); err != nil {
			b.unsubscribe(room, id)
			return nil, fmt.Errorf("broker: redis subscribe: %w", err)
		}
	}
	return func() { b.unsubscribe(room, id) }, nil
}

func (b *Redis) unsubscribe(room string, id int) {
	ch := b.channel(room)
	b.mu.Lock()
	delete(b.subs[ch], id)
	last := len(b.subs[ch]) == 0
	if last {
		delete(b.subs, ch)
	}
	b.mu.Unlock()
	if last {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = b.ps.Unsubscribe(ctx, ch, b.audio(room))
	}
}

// Frame implements realtime.Backend: audio goes over its own pub/sub
// channel, never into the log.
func (b *Redis) Frame(ctx context.Context, room string, frame []byte) error {
	if err := b.client.Publish(ctx, b.audio(room), frame).Err(); err != nil {
		return fmt.Errorf("broker: redis frame: %w", err)
	}
	return nil
}

// receive is the process's one pub/sub reader. It hands each message to
// the subscribers of its channel (which never block), and after a
// connection problem waits (doubling up to 2 s) and reads again: go-redis
// then reconnects and resubscribes, and the confirmations make every room
// resync from its log.
func (b *Redis) receive() {
	defer close(b.done)
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-b.stop:
			return
		default:
		}
		msg, err := b.ps.Receive(context.Background())
		if err != nil {
			select {
			case <-b.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				b.each(m.Channel, func(s *subscriber) {
					if s.Resync != nil {
						s.Resync()
					}
				})
			}
		case *redis.Message:
			if room, ok := strings.CutSuffix(m.Channel, "}:audio"); ok {
				frame := []byte(m.Payload)
				b.each(room+"}", func(s *subscriber) {
					if s.Frame != nil {
						s.Frame(frame)
					}
				})
				continue
			}
			env, ok := decodeAnnouncement(m.Payload)
			if !ok {
				b.log.Warn("broker: redis: unreadable announcement", "channel", m.Channel)
				continue
			}
			b.each(m.Channel, func(s *subscriber) { s.Deliver(env) })
		}
	}
}

func (b *Redis) each(ch string, fn func(*subscriber)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, s := range b.subs[ch] {
		fn(s)
	}
}

// decodeAnnouncement reads "<seq>|<ts>|<epoch>|<envelope JSON>" (the
// epoch is empty for ephemeral messages).
func decodeAnnouncement(payload string) (realtime.Envelope, bool) {
	seqText, rest, ok := strings.Cut(payload, "|")
	if !ok {
		return realtime.Envelope{}, false
	}
	tsText, rest, ok := strings.Cut(rest, "|")
	if !ok {
		return realtime.Envelope{}, false
	}
	epoch, body, ok := strings.Cut(rest, "|")
	if !ok {
		return realtime.Envelope{}, false
	}
	var env realtime.Envelope
	if json.Unmarshal([]byte(body), &env) != nil {
		return realtime.Envelope{}, false
	}
	env.Epoch = epoch
	var err1, err2 error
	env.Seq, err1 = strconv.ParseUint(seqText, 10, 64)
	env.TS, err2 = strconv.ParseInt(tsText, 10, 64)
	return env, err1 == nil && err2 == nil
}

// Heartbeat implements realtime.Backend.
func (b *Redis) Heartbeat(ctx context.Context, instance string, ttl time.Duration) error {
	if err := b.client.Set(ctx, b.cfg.Prefix+"instance:"+instance, "1", ttl).Err(); err != nil {
		return fmt.Errorf("broker: redis heartbeat: %w", err)
	}
	return nil
}

// Dead implements realtime.Backend.
func (b *Redis) Dead(ctx context.Context, instances []string) ([]string, error) {
	if len(instances) == 0 {
		return nil, nil
	}
	keys := make([]string, len(instances))
	for i, id := range instances {
		keys[i] = b.cfg.Prefix + "instance:" + id
	}
	vals, err := b.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("broker: redis heartbeats: %w", err)
	}
	var dead []string
	for i, v := range vals {
		if v == nil {
			dead = append(dead, instances[i])
		}
	}
	return dead, nil
}
