package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// monitor reads every instance's /debug/metrics from its debug listener.
type monitor struct {
	urls   []string
	client *http.Client
}

func newMonitor(urls []string, src *sources) *monitor {
	// A source address of its own: the monitor's calls must not count
	// against the clients' join limits (they do not share a limiter, but
	// keep it obvious).
	return &monitor{urls: urls, client: httpClient(src.nth(apiSourceBase - 1))}
}

func (m *monitor) read(ctx context.Context) ([]serverFigures, error) {
	out := make([]serverFigures, len(m.urls))
	for i, u := range m.urls {
		f, err := metrics(ctx, m.client, u)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

// report is what a run found. JSON field names are stable: scripts read
// them (scripts/bench-rooms).
type report struct {
	Mode       string   `json:"mode"`
	Instances  []string `json:"instances"`
	Events     []string `json:"events"`
	Join       string   `json:"join"`
	Spread     bool     `json:"spread_source_addresses"`
	FileLimit  uint64   `json:"file_limit"`
	Warmup     float64  `json:"warmup_seconds"`
	Duration   float64  `json:"duration_seconds"`
	Clients    int      `json:"clients"`
	Connected  int      `json:"connected"`
	Publishers int      `json:"publishers"`
	// ConnectErrors counts failed connections by cause ("http 429
	// rate_limited", "dial: EADDRNOTAVAIL", …).
	ConnectErrors  map[string]int `json:"connect_errors"`
	ConnectSeconds float64        `json:"connect_seconds"`
	// DrainSeconds is how long the run waited, after the last message was
	// sent, for the late ones: until all arrived, or none for --drain.
	DrainSeconds float64 `json:"drain_seconds"`
	// Sent counts the messages (or frames) published; Expected the
	// deliveries they owe (each to every connected receiver of its room
	// or channel); Delivered the first arrivals.
	Sent      uint64 `json:"sent"`
	Expected  uint64 `json:"expected"`
	Delivered uint64 `json:"delivered"`
	// DeliveriesPerSecond counts first arrivals of messages sent during
	// the measured window, per second of it.
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`
	Latency             latency `json:"latency_ms"`
	Lost                uint64  `json:"lost"`
	Duplicated          uint64  `json:"duplicated"`
	Reordered           uint64  `json:"reordered"`
	// WrongChannel counts audio frames a listener got from a channel it
	// did not tune to.
	WrongChannel uint64 `json:"wrong_channel"`
	// ServerErrors counts error messages from the server by code (e.g.
	// rate_limited: a publisher over its chat limit; those messages were
	// never sent, and count as lost).
	ServerErrors  map[string]int `json:"server_errors"`
	PublishErrors uint64         `json:"publish_errors"`
	// Closes counts connections the server closed before the run ended,
	// by close code.
	Closes map[string]int `json:"closes"`
	// Servers has each instance's figures; RSSPerIdleConnection is the
	// growth of the instances' RSS from before connecting to idle, over
	// the connections (staff included).
	Servers              []instanceReport `json:"servers"`
	RSSPerIdleConnection float64          `json:"rss_per_idle_connection_bytes"`
	LoadCPUPercent       float64          `json:"load_generator_cpu_percent"`
	// MachineBusyPercent is how busy the whole machine was (all cores,
	// every process: servers, this one, anyone else's) in the measured
	// window, from /proc/stat.
	MachineBusyPercent float64 `json:"machine_busy_percent"`
	Cores              int     `json:"cores"`
	// Processes has the figures of the processes given with
	// --server-pid, read from /proc: any server, majlis or not.
	Processes []procReport `json:"processes,omitempty"`

	before, idle, start, end []serverFigures
}

type latency struct {
	Samples uint64  `json:"samples"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
}

type instanceReport struct {
	URL    string        `json:"url"`
	Before serverFigures `json:"before"`
	Idle   serverFigures `json:"idle"`
	End    serverFigures `json:"end"`
	// CPUPercent is the instance's CPU time over the measured window, in
	// percent of one core; -1 when the instance does not report it.
	CPUPercent float64 `json:"cpu_percent"`
	// MessagesPerWrite is how many messages the instance's write calls
	// carried in the measured window (its deliveries over its socket
	// writes); 0 when it does not report them.
	MessagesPerWrite float64 `json:"messages_per_write"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// tally fills the report from the clients, after the readers ended.
func (r *loadRun) tally(rep *report) {
	for i := range r.final {
		rep.Sent += r.final[i].Load()
	}
	for _, c := range r.clients {
		if c.conn == nil || !c.track {
			continue
		}
		for p := range c.streams {
			last, ok := r.lastFor(c, p)
			if !ok {
				continue
			}
			s := &c.streams[p]
			rep.Expected += last
			rep.Lost += s.lost(last)
			rep.Duplicated += s.duplicated
			rep.Reordered += s.reordered
		}
	}
	rep.Delivered = r.delivered.Load()
	rep.DeliveriesPerSecond = float64(r.measured.Load()) / r.cfg.duration.Seconds()
	h := &r.latency
	rep.Latency = latency{Samples: h.count.Load(), P50: ms(h.quantile(0.50)), P95: ms(h.quantile(0.95)),
		P99: ms(h.quantile(0.99)), Max: ms(h.maxDuration())}
	rep.WrongChannel = r.wrongChannel.Load()
	rep.PublishErrors = r.publishErrs.Load()
	r.mu.Lock()
	rep.ConnectErrors, rep.Closes, rep.ServerErrors = maps.Clone(r.connectErrors), maps.Clone(r.closes), maps.Clone(r.serverErrors)
	r.mu.Unlock()
	conns := rep.Connected + len(r.staff)
	var grown int64
	for i := range rep.end {
		u := r.cfg.urls[i]
		ir := instanceReport{URL: u, Before: rep.before[i], Idle: rep.idle[i], End: rep.end[i], CPUPercent: -1}
		if cpu := rep.end[i].Process.CPUSeconds - rep.start[i].Process.CPUSeconds; rep.end[i].Process.CPUSeconds > 0 {
			ir.CPUPercent = 100 * cpu / rep.end[i].Time.Sub(rep.start[i].Time).Seconds()
		}
		if w := rep.end[i].Rooms.Writes - rep.start[i].Rooms.Writes; w > 0 {
			d := func(f serverFigures) uint64 { return f.Rooms.Delivered.Text + f.Rooms.Delivered.Audio }
			ir.MessagesPerWrite = float64(d(rep.end[i])-d(rep.start[i])) / float64(w)
		}
		grown += ir.Idle.Process.RSS - ir.Before.Process.RSS
		rep.Servers = append(rep.Servers, ir)
	}
	if conns > 0 {
		rep.RSSPerIdleConnection = float64(grown) / float64(conns)
	}
}

func (rep *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func (rep *report) writeText(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	unit := "messages"
	if rep.Mode == "audio" {
		unit = "frames"
	}
	p("mode %s, %d instance(s), %d room(s), join %s, source addresses spread: %v, open files limit %d",
		rep.Mode, len(rep.Instances), len(rep.Events), rep.Join, rep.Spread, rep.FileLimit)
	p("clients: %d of %d connected in %.1fs; connect errors: %s", rep.Connected, rep.Clients, rep.ConnectSeconds, counts(rep.ConnectErrors))
	p("publishers: %d; %s sent: %d (warm-up %.0fs, measured %.0fs)", rep.Publishers, unit, rep.Sent, rep.Warmup, rep.Duration)
	p("deliveries: %d of %d expected; %.0f/s in the measured window; drained %.1fs after the last send", rep.Delivered, rep.Expected, rep.DeliveriesPerSecond, rep.DrainSeconds)
	p("latency (ms, %d samples): p50 %.2f  p95 %.2f  p99 %.2f  max %.2f", rep.Latency.Samples, rep.Latency.P50, rep.Latency.P95, rep.Latency.P99, rep.Latency.Max)
	p("lost %d, duplicated %d, reordered %d, wrong channel %d", rep.Lost, rep.Duplicated, rep.Reordered, rep.WrongChannel)
	p("server errors: %s; publish errors: %d; closes by the server: %s", counts(rep.ServerErrors), rep.PublishErrors, counts(rep.Closes))
	for _, s := range rep.Servers {
		cpu := "n/a"
		if s.CPUPercent >= 0 {
			cpu = fmt.Sprintf("%.0f%%", s.CPUPercent)
		}
		p("server %s: RSS %s → %s idle → %s end; goroutines %d → %d → %d; clients %d; CPU (measured window) %s; messages per write call %.2f",
			s.URL, mib(s.Before.Process.RSS), mib(s.Idle.Process.RSS), mib(s.End.Process.RSS),
			s.Before.Go.Goroutines, s.Idle.Go.Goroutines, s.End.Go.Goroutines, s.Idle.Rooms.Clients, cpu, s.MessagesPerWrite)
	}
	p("RSS per idle connection: %.1f KiB", rep.RSSPerIdleConnection/1024)
	for _, pr := range rep.Processes {
		p("process %d: CPU (measured window) %.0f%% of a core, %.2f µs per delivery; RSS %s → %s idle → %s end, %.1f KiB per connection",
			pr.PID, pr.CPUPercent, pr.CPUMicrosPerDelivery, mib(pr.RSSBefore), mib(pr.RSSIdle), mib(pr.RSSEnd), pr.RSSPerConnection/1024)
	}
	p("load generator CPU (measured window): %.0f%% of a core; the whole machine (%d cores, all processes): %.0f%% busy", rep.LoadCPUPercent, rep.Cores, rep.MachineBusyPercent)
	_, err := io.WriteString(w, b.String())
	return err
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
