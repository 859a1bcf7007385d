package radicaletest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// NotFound is the message of the failure when there is no radicale to run.
const NotFound = "radicale not found: install it (sudo apt-get install radicale); scripts/test does this"

// User and Password are the credentials radicale accepts.
const (
	User     = "majlis"
	Password = "regional-s3cret"
)

// readyTimeout bounds how long Start waits for radicale to answer.
const readyTimeout = 20 * time.Second

// Server is one radicale process on 127.0.0.1.
type Server struct {
	// URL is the server's root, http://127.0.0.1:PORT.
	URL string
	cmd *exec.Cmd
	log bytes.Buffer
}

// Binary returns the radicale command to run.
func Binary() (string, error) {
	if p := os.Getenv("MAJLIS_RADICALE"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("%s (MAJLIS_RADICALE=%s: %v)", NotFound, p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/radicale"); err == nil {
		return "/usr/bin/radicale", nil
	}
	p, err := exec.LookPath("radicale")
	if err != nil {
		return "", errors.New(NotFound)
	}
	return p, nil
}

// Start starts radicale for tb and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(User+":"+Password+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("radicaletest: free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	s.cmd = exec.Command(bin,
		"--config", "", // no system or user configuration
		"--server-hosts", "127.0.0.1:"+strconv.Itoa(port),
		"--storage-filesystem-folder", filepath.Join(dir, "collections"),
		"--auth-type", "htpasswd", "--auth-htpasswd-filename", users, "--auth-htpasswd-encryption", "plain",
		"--rights-type", "owner_only", "--logging-level", "warning")
	s.cmd.Stdout, s.cmd.Stderr = &s.log, &s.log
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("radicaletest: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		s.cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(readyTimeout)
	for {
		resp, err := http.Get(s.URL + "/.web/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case <-exited:
			tb.Fatalf("radicaletest: radicale exited: %s", s.log.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("radicaletest: radicale did not answer within %v: %v", readyTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Calendar makes the calendar collection /majlis/<name>/ (MKCALENDAR,
// RFC 4791 §5.3.1) and returns its URL.
func (s *Server) Calendar(tb testing.TB, name string) string {
	tb.Helper()
	u := s.URL + "/" + User + "/" + name + "/"
	resp := s.Do(tb, "MKCALENDAR", u, nil, nil)
	if resp.StatusCode != http.StatusCreated {
		tb.Fatalf("radicaletest: MKCALENDAR %s: %s", u, resp.Status)
	}
	return u
}

// Do sends an authenticated request as another CalDAV client would and
// returns the response with its body read (in Body, closed).
func (s *Server) Do(tb testing.TB, method, url string, header http.Header, body []byte) *Response {
	tb.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.SetBasicAuth(User, Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("radicaletest: %s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return &Response{Response: resp, Data: data}
}

// Response is a response with its body read.
type Response struct {
	*http.Response
	Data []byte
}
