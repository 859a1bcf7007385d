package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// NotFound is the message of the error New returns when there is no
// redis-server to run.
const NotFound = "redis-server not found: install it (sudo apt-get install redis-server); scripts/test does this"

// Timeouts for a server's life cycle.
const (
	// readyTimeout bounds how long a start waits for the server to answer
	// PING (which includes loading its AOF after a restart).
	readyTimeout = 10 * time.Second
	// stopTimeout bounds how long Stop waits after SIGTERM before it
	// kills the server.
	stopTimeout = 10 * time.Second
)

// Config tunes a test server.
type Config struct {
	// AppendFsync is the AOF fsync policy: "always", "everysec" or "no".
	// Default "always": a write the server acknowledged survives Kill.
	AppendFsync string
	// Args are extra redis-server arguments, appended after the defaults
	// (so they win), e.g. []string{"--maxmemory", "64mb"}. Default none.
	Args []string
}

// Server is one redis-server process on 127.0.0.1, with its own data
// folder. It keeps its port and folder across Stop, Kill and Restart.
type Server struct {
	bin  string
	port int
	dir  string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited; exit in err
	err  error
}

// Binary returns the redis-server to run: $MAJLIS_REDIS_SERVER when set,
// otherwise redis-server on PATH. The error's message is NotFound (with
// the path that was tried, when the variable names one).
func Binary() (string, error) {
	if p := os.Getenv("MAJLIS_REDIS_SERVER"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("%s (MAJLIS_REDIS_SERVER=%s: %v)", NotFound, p, err)
		}
		return p, nil
	}
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return "", errors.New(NotFound)
	}
	return p, nil
}

// Start starts a server for the test tb, failing it if the server cannot
// start, and kills the server (and removes its data) when the test ends.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New starts a server outside of any test (from TestMain, say). The caller
// must Close it.
func New(cfg Config) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if cfg.AppendFsync == "" {
		cfg.AppendFsync = "always"
	}
	dir, err := os.MkdirTemp("", "majlis-redis-")
	if err != nil {
		return nil, fmt.Errorf("redistest: %w", err)
	}
	// The port is free when asked for, but another process may take it
	// before redis-server binds it: try a few.
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{bin: bin, port: port, dir: dir, args: serverArgs(port, dir, cfg)}
		err = s.start()
		if err == nil {
			return s, nil
		}
		if attempt == 2 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func serverArgs(port int, dir string, cfg Config) []string {
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"), "--daemonize", "no",
		"--save", "", "--appendonly", "yes", "--appendfsync", cfg.AppendFsync,
		"--maxmemory-policy", "noeviction",
	}
	return append(args, cfg.Args...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL is the address to give a Redis client: redis://127.0.0.1:PORT/0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Port is the server's TCP port; it stays the same across restarts.
func (s *Server) Port() int { return s.port }

// Dir is the server's data folder (its AOF and its log, redis.log).
func (s *Server) Dir() string { return s.dir }

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running()
}

func (s *Server) running() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// start runs the process and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running() {
		return fmt.Errorf("redistest: server on port %d is already running", s.port)
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.SysProcAttr = sysProcAttr()
	var out bytes.Buffer // what it prints before its log file is open
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	go func() {
		s.err = cmd.Wait() // read only after done is closed
		close(done)
	}()
	deadline := time.Now().Add(readyTimeout)
	for {
		if err := ping(s.Addr(), time.Second); err == nil {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("redistest: redis-server on port %d exited (%v): %s%s", s.port, s.err, out.String(), s.logTail())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("redistest: redis-server on port %d did not answer PING within %v: %s", s.port, readyTimeout, s.logTail())
		}
	}
}

// ping sends PING and expects +PONG: a server still loading its AOF
// answers -LOADING instead.
func ping(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("redistest: PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// logTail returns the end of the server's log, for error messages.
func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// signal sends sig and waits for the process to exit, killing it after
// wait. It is a no-op on a server that is not running.
func (s *Server) signal(sig syscall.Signal, wait time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running() {
		return nil
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("redistest: signal redis-server: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(wait):
		s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("redistest: redis-server on port %d did not exit within %v of %v; killed", s.port, wait, sig)
	}
}

// Stop shuts the server down cleanly (SIGTERM: it flushes its AOF and
// exits) and waits for it to exit. A paused server is resumed first.
func (s *Server) Stop() error {
	s.send(syscall.SIGCONT) // a stopped process does not handle SIGTERM
	return s.signal(syscall.SIGTERM, stopTimeout)
}

// Kill kills the server with SIGKILL, as kill -9 would, and waits for it
// to exit (a paused server too). Whatever it had not written to its AOF is
// lost.
func (s *Server) Kill() error { return s.signal(syscall.SIGKILL, stopTimeout) }

// Pause freezes the server (SIGSTOP): it keeps its connections open but
// answers nothing, like a host that hangs. Resume undoes it.
func (s *Server) Pause() error { return s.send(syscall.SIGSTOP) }

// Resume lets a paused server run again (SIGCONT).
func (s *Server) Resume() error { return s.send(syscall.SIGCONT) }

func (s *Server) send(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running() {
		return fmt.Errorf("redistest: redis-server on port %d is not running", s.port)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("redistest: signal redis-server: %w", err)
	}
	return nil
}

// Restart starts a stopped or killed server again on the same port and
// data folder, and waits until it has loaded its AOF and answers PING.
func (s *Server) Restart() error { return s.start() }

// Close kills the server and removes its data folder. It is safe to call
// more than once.
func (s *Server) Close() {
	s.Kill()
	os.RemoveAll(s.dir)
}

// Shared is one server for a whole test binary, started on the first Get.
// Tests that share it must use their own key prefixes and must not stop,
// kill or restart it. Close it at the end of TestMain:
//
//	var redisServer redistest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		redisServer.Close()
//		os.Exit(code)
//	}
//
// The zero value is ready to use, with the default Config.
type Shared struct {
	// Config is used by the first Get.
	Config Config

	once sync.Once
	s    *Server
	err  error
}

// Get returns the shared server, starting it on first use; it fails tb if
// the server cannot start (including when redis-server is missing).
func (sh *Shared) Get(tb testing.TB) *Server {
	tb.Helper()
	sh.once.Do(func() { sh.s, sh.err = New(sh.Config) })
	if sh.err != nil {
		tb.Fatal(sh.err)
	}
	return sh.s
}

// Close kills the shared server if it was started.
func (sh *Shared) Close() {
	sh.once.Do(func() {}) // no start after Close
	if sh.s != nil {
		sh.s.Close()
	}
}
