package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// redisNode returns a node named instance over a Redis broker of rs with
// prefix: several such nodes are the instances of one deployment.
func redisNode(t *testing.T, rs *redistest.Server, prefix, instance string, st *store.Bolt) *realtime.Node {
	t.Helper()
	b, err := broker.NewRedis(context.Background(), rs.URL(), broker.RedisConfig{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return realtime.New(realtime.Config{Instance: instance, ChatRate: 1000, ChatBurst: 100}, b, st)
}

// instance serves f's store and event through another node: a second
// instance of the same deployment.
func (f *roomFixture) instance(node *realtime.Node) *roomFixture {
	f.t.Helper()
	srv := server.New(server.Config{BaseURL: "https://majlis.example.org", Rooms: node}, f.st, f.svc)
	ts := httptest.NewServer(srv.Handler())
	f.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	fx := *f.fixture
	fx.srv, fx.ts = srv, ts
	return &roomFixture{fixture: &fx, items: f.items}
}

// welcomeEpoch reads the epoch of a welcome.
func welcomeEpoch(t *testing.T, env realtime.Envelope) string {
	t.Helper()
	var w struct {
		Protocol int    `json:"protocol"`
		Epoch    string `json:"epoch"`
	}
	mustUnmarshal(t, env.Data, &w)
	if env.Type != realtime.MsgWelcome || w.Epoch == "" || w.Protocol != realtime.ProtocolVersion {
		t.Fatalf("want a welcome with an epoch, protocol %d: %s %s", realtime.ProtocolVersion, env.Type, env.Data)
	}
	return w.Epoch
}

// TestRoomLogLostInRedis deletes a room's keys in Redis while members on
// two instances are connected, as FLUSHALL, an eviction or a restored
// backup would. The next message starts a new log (a new epoch): every
// member gets a fresh welcome with the new epoch, messages reach everyone
// again (before, they got seqs the rooms thought they had seen, and
// reached nobody), and a member resuming with a position in the lost log
// gets a welcome, never a resume over a log that no longer exists.
func TestRoomLogLostInRedis(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	a := newRoomFixture(t, func(st *store.Bolt) *realtime.Node { return redisNode(t, rs, "ep:", "a", st) })
	b := a.instance(redisNode(t, rs, "ep:", "b", a.st))

	host, hw := a.join("alice", "token="+url.QueryEscape(a.alice))
	anne := a.anon("Anne")
	bruno := b.anon("Bruno")
	lost := welcomeEpoch(t, hw)
	everyone := []*member{host, anne, bruno}
	chat := func(from *member, text string) {
		t.Helper()
		from.send(realtime.CmdChat, "", map[string]string{"text": text})
		for _, m := range everyone {
			for {
				env := m.expectSkipping(realtime.MsgChat)
				if strings.Contains(string(env.Data), text) {
					m.last = env.Seq
					break
				}
			}
		}
	}
	chat(bruno, "before the loss")
	oldSeq := anne.last

	rc := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rc.Close()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "ep:room:{"+roomEvent+"}*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("the room's keys: %v %v", keys, err)
	}
	if err := rc.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}

	anne.send(realtime.CmdChat, "", map[string]string{"text": "right after the loss"})
	for _, m := range everyone {
		m.epoch = welcomeEpoch(t, m.expectSkipping(realtime.MsgWelcome))
		if m.epoch == lost {
			t.Fatalf("%s: welcome in the lost log's epoch %s", m.name, lost)
		}
	}
	chat(bruno, "in the new log, from b")
	chat(host, "in the new log, from a")

	tests := []struct {
		name  string
		query string
		want  realtime.MsgType
	}{
		{"a position in the lost log", fmt.Sprintf("name=Anne&since=%d&epoch=%s", min(oldSeq, anne.last), lost), realtime.MsgWelcome},
		{"a position without its epoch", fmt.Sprintf("name=Anne&since=%d", anne.last), realtime.MsgWelcome},
		{"a position in the new log", fmt.Sprintf("name=Anne&since=%d&epoch=%s", anne.last, anne.epoch), realtime.MsgResume},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []*roomFixture{a, b} {
				m, first := f.join("Anne again", tt.query)
				if first.Type != tt.want {
					t.Fatalf("first message %s %s, want %s", first.Type, first.Data, tt.want)
				}
				m.conn.Close()
			}
		})
	}
}
