// Command majlis-load is the load generator for majlis rooms: it opens
// thousands of websocket clients against one or more majlis instances and
// measures what users notice — whether every chat message or audio frame
// arrives, once, in order, and how late — together with what the servers
// spend (memory, goroutines, CPU, read from each instance's /debug/metrics
// on its debug listener: majlis serve --debug-listen).
//
// Usage:
//
//	majlis-load --url http://127.0.0.1:8080[,http://127.0.0.1:8081] \
//	  --debug-url http://127.0.0.1:6060[,http://127.0.0.1:6061] [flags]
//
// Chat mode (default): --clients N connect to --rooms R rooms (events),
// spread round-robin over rooms and then over the instances; the first
// --publishers P clients each send chat at --rate/P messages per second
// (--rate is the total). Every message carries its publisher, a counter and
// its send time; every client tracks, per publisher, lost, duplicated and
// reordered messages, and the end-to-end latency of the messages sent after
// --warmup. Each publisher must stay under the server's per-connection chat
// limit (1/s, bursts of 5, realtime.Config) or the server refuses messages
// (counted as "refused").
//
// Audio mode (--mode audio): one event with interpretation into ar, en, fr
// and es; a host, a speaker who is given the floor, and one interpreter
// live in each booth publish binary audio frames at --fps (default 50, Opus
// 20 ms frames, 80–160 bytes) on floor, ar, en, fr and es; --clients
// listeners are split across those five channels. Reported: the latency the
// server adds (receive − send, both in this process), frames lost,
// duplicated and reordered, frames heard on a wrong channel, and the
// server's CPU and memory.
//
// Joining: anonymously with ?name= (public events), or with --token (an
// organizer's API token) join tokens are created through the API
// (POST /api/v1/events/{id}/invites) for every client (--join invite).
// Without --events, --token is required and the events are created through
// the API (public, published, running now, interpreted into ar/en/fr/es).
//
// Source addresses: majlis limits room joins per client address (2/s,
// bursts of 20) and API calls (20/s, bursts of 100), as it should. One
// load generator is one address, so against a loopback URL each client
// dials from its own address in 127.0.0.0/8 (on Linux all of it is
// loopback; net.Dialer.LocalAddr), ten clients per address, and API calls
// are spread the same way. --spread=false turns this off (e.g. to see the
// limits bite).
//
// File descriptors: each client is a socket; the soft limit on open files
// is raised to the hard limit at start (setrlimit), and the run refuses to
// start when that is still too low for --clients.
//
// The report goes to stdout as text, or as JSON with --json.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "assembly" { // the general assembly's vote: assembly.go
		os.Exit(runAssembly(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// config is the whole run, from the flags.
type config struct {
	urls        []string
	debugURLs   []string // one per urls entry, same order
	mode        string   // "chat" or "audio"
	clients     int
	rooms       int
	publishers  int
	rate        float64 // chat messages per second, all publishers together
	fps         int     // audio frames per second per channel
	warmup      time.Duration
	duration    time.Duration
	drain       time.Duration
	settle      time.Duration
	concurrency int
	spread      bool
	perAddr     int
	token       string
	join        string // "anonymous" or "invite"
	events      []string
	jsonOut     bool
	cpuProfile  string
	// protocol is "majlis" (the rooms; also the write-floor server,
	// cmd/majlis-floor, which speaks enough of it) or "centrifugo" (its
	// JSON client protocol: connect, subscribe to channel, publish,
	// publication pushes), to measure peers under the same load.
	protocol string
	channel  string
	// noMetrics: do not read the instances' /debug/metrics (peers and the
	// floor have none).
	noMetrics bool
	// pids are server processes whose CPU and memory are read from /proc
	// (any server: majlis, a peer, the floor).
	pids []int
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("majlis-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	urls := fs.String("url", "http://127.0.0.1:8080", "comma-separated base URLs of the majlis instances; clients are spread round-robin")
	debugURLs := fs.String("debug-url", "http://127.0.0.1:6060", "comma-separated base URLs of the instances' debug listeners (majlis serve --debug-listen), one per --url in the same order, for the servers' figures")
	fs.StringVar(&c.mode, "mode", "chat", "chat or audio")
	fs.IntVar(&c.clients, "clients", 100, "clients (audio mode: listeners)")
	fs.IntVar(&c.rooms, "rooms", 1, "rooms (events) the clients are spread over (chat mode)")
	fs.IntVar(&c.publishers, "publishers", 20, "clients that publish chat (chat mode)")
	fs.Float64Var(&c.rate, "rate", 20, "chat messages per second, all publishers together (chat mode)")
	fs.IntVar(&c.fps, "fps", 50, "audio frames per second on each of the five channels (audio mode)")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "publishing before measuring starts")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "measured publishing")
	fs.DurationVar(&c.drain, "drain", time.Second, "after publishing, wait for late messages until none arrived for this long (at most 60s); the rest are lost")
	fs.DurationVar(&c.settle, "settle", 2*time.Second, "wait after connecting before reading the idle figures")
	fs.IntVar(&c.concurrency, "connect-concurrency", 50, "connections opened at the same time")
	fs.BoolVar(&c.spread, "spread", true, "dial from many 127.0.0.0/8 source addresses (loopback URLs only), so per-address join limits do not bite")
	fs.IntVar(&c.perAddr, "per-address", 10, "clients per source address when spreading")
	fs.StringVar(&c.token, "token", os.Getenv("MAJLIS_TOKEN"), "organizer API token (env MAJLIS_TOKEN): creates events and join tokens")
	fs.StringVar(&c.join, "join", "", "anonymous (?name=, public events) or invite (join tokens; needs --token); default invite with --token, else anonymous")
	events := fs.String("events", "", "comma-separated event IDs to use (default: create them, needs --token)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	fs.StringVar(&c.protocol, "protocol", "majlis", "majlis, or centrifugo (its JSON protocol: --url is the server's base URL, clients subscribe to --channel; chat mode only)")
	fs.StringVar(&c.channel, "channel", "room", "the channel every client subscribes to (--protocol centrifugo)")
	metrics := fs.Bool("metrics", true, "read each instance's /debug/metrics (majlis; false for the write-floor server)")
	pids := fs.String("server-pid", "", "comma-separated process IDs of the servers: their CPU and memory are read from /proc (Linux), for any server")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write this process's CPU profile to the file (to see what limits the load generator itself)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.urls = splitList(*urls)
	c.noMetrics = !*metrics
	for _, v := range splitList(*pids) {
		pid, err := strconv.Atoi(v)
		if err != nil || pid <= 0 {
			return c, fmt.Errorf("--server-pid: %q is not a process ID", v)
		}
		c.pids = append(c.pids, pid)
	}
	c.debugURLs = splitList(*debugURLs)
	c.events = splitList(*events)
	if c.protocol == "centrifugo" {
		c.noMetrics, c.join = true, "anonymous"
		if len(c.events) == 0 {
			c.events = []string{c.channel}
		}
	}
	if c.join == "" {
		c.join = "anonymous"
		if c.token != "" {
			c.join = "invite"
		}
	}
	var problems []string
	switch {
	case len(c.urls) == 0:
		problems = append(problems, "--url: at least one instance")
	case c.protocol != "majlis" && c.protocol != "centrifugo":
		problems = append(problems, "--protocol: majlis or centrifugo")
	case c.protocol == "centrifugo" && c.mode != "chat":
		problems = append(problems, "--protocol centrifugo: chat mode only")
	case !c.noMetrics && len(c.debugURLs) != len(c.urls):
		problems = append(problems, "--debug-url: one debug listener (majlis serve --debug-listen) per --url")
	case c.mode != "chat" && c.mode != "audio":
		problems = append(problems, "--mode: chat or audio")
	case c.clients < 1:
		problems = append(problems, "--clients: at least 1")
	case c.join != "anonymous" && c.join != "invite":
		problems = append(problems, "--join: anonymous or invite")
	case c.join == "invite" && c.token == "":
		problems = append(problems, "--join invite needs --token")
	case len(c.events) == 0 && c.token == "":
		problems = append(problems, "give --events, or --token to create them")
	case c.mode == "audio" && c.token == "":
		problems = append(problems, "--mode audio needs --token (interpreters and the speaker join with invitations)")
	case c.mode == "chat" && (c.rooms < 1 || c.publishers < 0 || c.publishers > c.clients || c.rate <= 0 && c.publishers > 0):
		problems = append(problems, "--rooms ≥ 1, 0 ≤ --publishers ≤ --clients, --rate > 0")
	case c.mode == "audio" && (c.fps < 1 || c.fps > 100):
		problems = append(problems, "--fps: 1 to 100")
	case c.warmup < 0 || c.duration <= 0 || c.concurrency < 1 || c.perAddr < 1:
		problems = append(problems, "--warmup ≥ 0, --duration > 0, --connect-concurrency ≥ 1, --per-address ≥ 1")
	}
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "; "))
	}
	if c.mode == "audio" {
		c.rooms = 1
	}
	if len(c.events) > 0 {
		c.rooms = len(c.events)
	}
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, strings.TrimRight(v, "/"))
		}
	}
	return out
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load:", err)
		return 2
	}
	limit, err := raiseFileLimit(cfg.clients + 64)
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(stderr, "majlis-load: --cpuprofile:", err)
			return 1
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	rep, err := newRun(cfg, stderr).execute(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load:", err)
		return 1
	}
	rep.FileLimit = limit
	if cfg.jsonOut {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load:", err)
		return 1
	}
	return 0
}
