package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// procs reads server processes' CPU time and RSS from /proc (Linux), at
// the run's four moments: before connecting, idle, and the measured
// window's start and end. It needs nothing from the servers, so it
// measures any of them alike.
type procs struct {
	pids []int
	at   [4]time.Time
	cpu  [][4]float64 // seconds
	rss  [][4]int64   // bytes
}

func procMonitor(pids []int) *procs {
	return &procs{pids: pids, cpu: make([][4]float64, len(pids)), rss: make([][4]int64, len(pids))}
}

// read records the moment i (0 before, 1 idle, 2 start, 3 end).
func (p *procs) read(i int) {
	p.at[i] = time.Now()
	for k, pid := range p.pids {
		p.cpu[k][i], p.rss[k][i] = procStat(pid)
	}
}

// procReport is one server process's figures.
type procReport struct {
	PID int `json:"pid"`
	// CPUSeconds is the process's CPU time (user + system) in the
	// measured window; CPUPercent the same in percent of one core.
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUPercent float64 `json:"cpu_percent"`
	// CPUMicrosPerDelivery divides CPUSeconds by the deliveries of the
	// messages sent in the window (every process given counts them all:
	// give one process per run, or add them up).
	CPUMicrosPerDelivery float64 `json:"cpu_us_per_delivery"`
	RSSBefore            int64   `json:"rss_before_bytes"`
	RSSIdle              int64   `json:"rss_idle_bytes"`
	RSSEnd               int64   `json:"rss_end_bytes"`
	// RSSPerConnection is the growth from before connecting to idle, over
	// the connections.
	RSSPerConnection float64 `json:"rss_per_connection_bytes"`
}

func (p *procs) report(conns int, deliveries uint64) []procReport {
	var out []procReport
	window := p.at[3].Sub(p.at[2]).Seconds()
	for k, pid := range p.pids {
		pr := procReport{PID: pid, CPUSeconds: p.cpu[k][3] - p.cpu[k][2],
			RSSBefore: p.rss[k][0], RSSIdle: p.rss[k][1], RSSEnd: p.rss[k][3]}
		if window > 0 {
			pr.CPUPercent = 100 * pr.CPUSeconds / window
		}
		if deliveries > 0 {
			pr.CPUMicrosPerDelivery = 1e6 * pr.CPUSeconds / float64(deliveries)
		}
		if conns > 0 {
			pr.RSSPerConnection = float64(pr.RSSIdle-pr.RSSBefore) / float64(conns)
		}
		out = append(out, pr)
	}
	return out
}

// procStat reads a process's CPU time (utime + stime, in USER_HZ ticks,
// which Linux fixes at 100 a second for /proc) and its RSS; zeros when
// /proc cannot tell.
func procStat(pid int) (cpu float64, rss int64) {
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/stat"); err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i >= 0 {
			f := strings.Fields(s[i+1:]) // state is f[0]; utime, stime are fields 14, 15 of the line
			if len(f) > 12 {
				u, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				cpu = (u + st) / 100
			}
		}
	}
	if b, err := os.ReadFile(dir + "/status"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss = kb << 10
			}
		}
	}
	return cpu, rss
}
