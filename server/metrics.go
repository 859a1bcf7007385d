package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/majlis/majlis/realtime"
)

// DebugHandler serves the debug endpoints: GET /metrics (Prometheus,
// prometheus.go), GET /debug/metrics (the process's figures as JSON,
// polled by cmd/majlis-load) and
// GET /debug/pprof/… (profiles for `go tool pprof`). They are not on
// Handler: whoever reaches them can read the process's memory profile and
// load it with CPU profiles, so they get a listener of their own
// (cmd/majlis --debug-listen, off by default) that the operator keeps on
// loopback or a private network; they ask no token. They say nothing
// about who is connected: counts, never names or room IDs.
func (s *Server) DebugHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Pre(securityHeaders)
	e.Use(middleware.Recover())
	s.debugRoutes(e)
	return e
}

// Metrics is the body of GET /debug/metrics.
type Metrics struct {
	// Time is when the figures were read.
	Time time.Time `json:"time"`
	// Process is the operating system's view of the process (Linux; zero
	// elsewhere).
	Process ProcessMetrics `json:"process"`
	// Go is the Go runtime's view.
	Go GoMetrics `json:"go"`
	// Rooms counts this instance's rooms and connections.
	Rooms realtime.Stats `json:"rooms"`
}

// ProcessMetrics are read from /proc/self.
type ProcessMetrics struct {
	// RSS is the resident set size (VmRSS), in bytes.
	RSS int64 `json:"rss_bytes"`
	// OpenFiles counts open file descriptors (each websocket holds one).
	OpenFiles int `json:"open_files"`
	// MaxOpenFiles is the soft limit on open files (ulimit -n), or -1 when
	// unlimited.
	MaxOpenFiles int64 `json:"max_open_files"`
	// CPUSeconds is the CPU time the process has used, user and system,
	// in seconds (10 ms resolution): load generators difference two
	// readings.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// GoMetrics come from runtime.ReadMemStats.
type GoMetrics struct {
	Goroutines   int    `json:"goroutines"`
	HeapInuse    uint64 `json:"heap_inuse_bytes"`
	HeapObjects  uint64 `json:"heap_objects"`
	StackInuse   uint64 `json:"stack_inuse_bytes"`
	Sys          uint64 `json:"sys_bytes"`
	NumGC        uint32 `json:"gc_cycles"`
	PauseTotalNs uint64 `json:"gc_pause_total_ns"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	Version      string `json:"version"`
}

func (s *Server) metrics(c echo.Context) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Metrics{
		Time:    s.cfg.Now().UTC(),
		Process: readProcess(),
		Go: GoMetrics{
			Goroutines: runtime.NumGoroutine(), HeapInuse: ms.HeapInuse, HeapObjects: ms.HeapObjects,
			StackInuse: ms.StackInuse, Sys: ms.Sys, NumGC: ms.NumGC, PauseTotalNs: ms.PauseTotalNs,
			GOMAXPROCS: runtime.GOMAXPROCS(0), Version: runtime.Version(),
		},
		Rooms: s.rooms.Stats(),
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, m)
}

// readProcess reads what Linux tells about the process; on other systems,
// or if /proc is not mounted, the fields stay zero.
func readProcess() ProcessMetrics {
	var p ProcessMetrics
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		p.RSS = procField(b, "VmRSS:") * 1024 // "VmRSS:	  123456 kB"
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		p.OpenFiles = len(fds) - 1 // less the directory being read
	}
	if b, err := os.ReadFile("/proc/self/limits"); err == nil {
		p.MaxOpenFiles = openFilesLimit(b)
	}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		p.CPUSeconds = cpuSeconds(b)
	}
	return p
}

// cpuSeconds reads utime and stime (fields 14 and 15, in clock ticks of
// USER_HZ, which Linux fixes at 100 for /proc) from /proc/self/stat. The
// command name (field 2) may hold spaces and parentheses, so fields are
// counted after its last ')'.
func cpuSeconds(stat []byte) float64 {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return float64(utime+stime) / 100
}

// procField returns the first number after prefix at the start of a line.
func procField(b []byte, prefix string) int64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// openFilesLimit reads the soft limit from /proc/self/limits:
// "Max open files            20000                20000                files".
func openFilesLimit(b []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 || f[0] == "unlimited" {
				return -1
			}
			n, _ := strconv.ParseInt(f[0], 10, 64)
			return n
		}
	}
	return 0
}

// cpuProfiling admits one CPU profile at a time (the runtime supports one).
var cpuProfiling sync.Mutex

// maxProfile bounds ?seconds= of a CPU profile, under the write timeout
// cmd/majlis gives responses (60 s).
const maxProfile = 50

// cpuProfile answers GET /debug/pprof/profile?seconds=N (default 30) with a
// CPU profile, as net/http/pprof does (that package is not imported: it
// registers itself on http.DefaultServeMux, for anyone who serves it).
func cpuProfile(c echo.Context) error {
	secs := 30
	if v := c.QueryParam("seconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxProfile {
			return badRequest("invalid", "seconds", fmt.Sprintf("a whole number of seconds, 1 to %d", maxProfile))
		}
		secs = n
	}
	if !cpuProfiling.TryLock() {
		return &apiError{Status: http.StatusConflict, Code: "busy", Message: "a CPU profile is already being taken"}
	}
	defer cpuProfiling.Unlock()
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return &apiError{Status: http.StatusConflict, Code: "busy", Message: "the CPU profiler is in use"}
	}
	select {
	case <-time.After(time.Duration(secs) * time.Second):
	case <-c.Request().Context().Done():
	}
	pprof.StopCPUProfile()
	return c.Blob(http.StatusOK, "application/octet-stream", buf.Bytes())
}

// namedProfile answers GET /debug/pprof/{heap,allocs,goroutine,block,mutex,
// threadcreate}[?debug=1|2][&gc=1]: the pprof format, or text with debug;
// gc=1 collects garbage before a heap profile.
func namedProfile(c echo.Context) error {
	p := pprof.Lookup(c.Param("name"))
	if p == nil {
		return &apiError{Status: http.StatusNotFound, Code: "not_found",
			Message: "no such profile (known: profile, heap, allocs, goroutine, block, mutex, threadcreate)"}
	}
	debug := 0
	if v := c.QueryParam("debug"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 2 {
			return badRequest("invalid", "debug", "0, 1 or 2")
		}
		debug = n
	}
	switch c.QueryParam("gc") {
	case "":
	case "1":
		if p.Name() == "heap" {
			runtime.GC() // as net/http/pprof: the heap as of a collection just made
		}
	default:
		return badRequest("invalid", "gc", "1 (collect garbage before a heap profile)")
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, debug); err != nil {
		return fmt.Errorf("server: profile %s: %w", p.Name(), err)
	}
	ctype := "application/octet-stream"
	if debug > 0 {
		ctype = "text/plain; charset=utf-8"
	}
	return c.Blob(http.StatusOK, ctype, buf.Bytes())
}
