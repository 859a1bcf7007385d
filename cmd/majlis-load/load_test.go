package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/syncbuf"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// newServer runs an in-process majlis (embedded store, in-process rooms)
// on a loopback listener, its debug endpoints on another, and returns
// their URLs and an organizer's token.
func newServer(t *testing.T) (string, string, string) {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "majlis.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	token, hash := access.NewToken()
	o := access.Organizer{ID: access.NewID("org_"), Name: "Load", Region: agenda.RegionGlobal, TokenHash: hash, Created: time.Now().UTC()}
	if err := st.CreateOrganizer(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{}, st, agenda.New(agenda.Config{}, st))
	ts := httptest.NewServer(srv.Handler())
	debug := httptest.NewServer(srv.DebugHandler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
		debug.Close()
	})
	return ts.URL, debug.URL, token
}

func short(cfg config) config {
	cfg.warmup, cfg.duration, cfg.drain, cfg.settle = 500*time.Millisecond, 2*time.Second, time.Second, 100*time.Millisecond
	cfg.concurrency, cfg.spread, cfg.perAddr = 10, true, 10
	return cfg
}

// TestChatRun: against a real server, every client connects, every
// message reaches every client of its room once, in order, and the report
// adds up (deliveries = messages × receivers).
func TestChatRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rooms int
		join  string
	}{
		{name: "one room, join tokens", rooms: 1, join: "invite"},
		{name: "two rooms, anonymous", rooms: 2, join: "anonymous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, debug, token := newServer(t)
			cfg := short(config{urls: []string{url}, debugURLs: []string{debug}, mode: "chat", clients: 50, rooms: tt.rooms, publishers: 2, rate: 2,
				token: token, join: tt.join, pids: []int{os.Getpid()}})
			var log syncbuf.Buffer
			r := newRun(cfg, &log)
			rep, err := r.execute(context.Background())
			if err != nil {
				t.Fatalf("run: %v\n%s", err, log.String())
			}
			perRoom := uint64(cfg.clients / tt.rooms)
			if rep.Connected != cfg.clients || len(rep.ConnectErrors) != 0 || !rep.Spread {
				t.Errorf("connected %d of %d, errors %v, spread %v", rep.Connected, cfg.clients, rep.ConnectErrors, rep.Spread)
			}
			if rep.Sent < 4 || rep.Expected != rep.Sent*perRoom || rep.Delivered != rep.Expected {
				t.Errorf("sent %d, expected %d (want sent × %d), delivered %d", rep.Sent, rep.Expected, perRoom, rep.Delivered)
			}
			if rep.Lost != 0 || rep.Duplicated != 0 || rep.Reordered != 0 || len(rep.Closes) != 0 || len(rep.ServerErrors) != 0 {
				t.Errorf("lost %d duplicated %d reordered %d closes %v errors %v", rep.Lost, rep.Duplicated, rep.Reordered, rep.Closes, rep.ServerErrors)
			}
			if rep.Latency.Samples == 0 || rep.Latency.Samples >= rep.Delivered || rep.Latency.P50 > rep.Latency.P99 || rep.Latency.P99 > rep.Latency.Max {
				t.Errorf("latency %+v of %d deliveries (the warm-up is not measured)", rep.Latency, rep.Delivered)
			}
			// /proc counts CPU in clock ticks (10 ms): a short run on a
			// busy machine may be given less than one, so zero is a
			// possible reading; a negative one or a missing RSS is not.
			if pr := rep.Processes; len(pr) != 1 || pr[0].CPUSeconds < 0 || (pr[0].CPUSeconds > 0) != (pr[0].CPUMicrosPerDelivery > 0) ||
				pr[0].RSSEnd <= 0 {
				t.Errorf("the server process's figures from /proc: %+v", rep.Processes)
			}
			if rep.Cores < 1 || rep.MachineBusyPercent <= 0 || rep.MachineBusyPercent > 100 {
				t.Errorf("machine: %d cores, %.1f%% busy", rep.Cores, rep.MachineBusyPercent)
			}
			if s := rep.Servers[0]; s.Idle.Rooms.Clients != cfg.clients || s.Idle.Rooms.Rooms != tt.rooms || s.CPUPercent < 0 {
				t.Errorf("server figures %+v", s)
			}
			// Every receiver got every message of its room's publishers.
			for _, c := range r.clients {
				for p, s := range c.streams {
					if want, _ := r.lastFor(c, p); s.received != want {
						t.Fatalf("client %d (room %d) got %d from publisher %d, want %d", c.i, c.room, s.received, p, want)
					}
				}
			}
			var text bytes.Buffer
			if err := rep.writeText(&text); err != nil || !strings.Contains(text.String(), "lost 0, duplicated 0, reordered 0") {
				t.Errorf("text report (%v):\n%s", err, text.String())
			}
		})
	}
}

// TestAudioRun: a session on air (speaker on the floor, four live booths)
// with listeners on every channel: each listener hears only its channel's
// frames, all of them, in order.
func TestAudioRun(t *testing.T) {
	t.Parallel()
	url, debug, token := newServer(t)
	cfg := short(config{urls: []string{url}, debugURLs: []string{debug}, mode: "audio", clients: 10, fps: 50, token: token, join: "anonymous"})
	r := newRun(cfg, io.Discard)
	rep, err := r.execute(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Connected != cfg.clients || rep.Publishers != 5 || len(rep.ConnectErrors) != 0 {
		t.Fatalf("connected %d, publishers %d, errors %v", rep.Connected, rep.Publishers, rep.ConnectErrors)
	}
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.Reordered != 0 || rep.WrongChannel != 0 || len(rep.Closes) != 0 {
		t.Errorf("lost %d duplicated %d reordered %d wrong channel %d closes %v", rep.Lost, rep.Duplicated, rep.Reordered, rep.WrongChannel, rep.Closes)
	}
	for _, c := range r.clients {
		sent := r.final[slices.Index(audioChannels, c.channel)].Load()
		if sent < 50 || c.streams[0].received != sent {
			t.Errorf("listener %d on %s: %d frames of %d", c.i, c.channel, c.streams[0].received, sent)
		}
	}
	if rep.Expected != rep.Delivered || rep.Latency.Samples == 0 {
		t.Errorf("expected %d delivered %d latency %+v", rep.Expected, rep.Delivered, rep.Latency)
	}
}

// TestFlags: bad combinations are refused before anything connects.
func TestFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		expect string
	}{
		{name: "no events, no token", args: []string{"--clients", "5"}, expect: "--token"},
		{name: "invite without token", args: []string{"--events", "e1", "--join", "invite"}, expect: "needs --token"},
		{name: "audio without token", args: []string{"--events", "e1", "--mode", "audio"}, expect: "audio needs --token"},
		{name: "more publishers than clients", args: []string{"--events", "e1", "--clients", "2", "--publishers", "3"}, expect: "--publishers"},
		{name: "unknown mode", args: []string{"--events", "e1", "--mode", "video"}, expect: "--mode"},
		{name: "a debug listener short", args: []string{"--events", "e1", "--url", "http://127.0.0.1:8080,http://127.0.0.1:8081"}, expect: "--debug-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.expect) {
				t.Errorf("%v: error %v, want one mentioning %q", tt.args, err, tt.expect)
			}
		})
	}
}
