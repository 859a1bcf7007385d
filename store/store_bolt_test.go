package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/store"
	"github.com/majlis/majlis/store/storetest"
)

func openBolt(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBoltConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openBolt(t, filepath.Join(t.TempDir(), "majlis.db"))
	})
}

func TestBoltReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	o := func(t *testing.T) store.Store { return openBolt(t, path) }
	storetest.RunReopen(t, o, o)
}

func TestBoltSecondProcessGetsAClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	s := openBolt(t, path)
	t.Cleanup(func() { s.Close() })
	// The lock is an flock on the file, taken for the whole life of the
	// store; what matters is a second majlis process, so use one.
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltHelperProcess$")
	cmd.Env = append(os.Environ(), "MAJLIS_HELPER=open", "MAJLIS_HELPER_DB="+path)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "store: database "+path+" is locked by another process") {
		t.Fatalf("second process: err %v, output %s", err, out)
	}
	// Once the first is closed, the file opens again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(os.Args[0], "-test.run=^TestBoltHelperProcess$")
	cmd.Env = append(os.Environ(), "MAJLIS_HELPER=open", "MAJLIS_HELPER_DB="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("open after the first closed: %v %s", err, out)
	}
}

func TestBoltCreatesPrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "majlis.db")
	s := openBolt(t, path)
	defer s.Close()
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{dir, 0o700}, {path, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^c.want != 0 {
			t.Fatalf("%s has mode %v, want at most %v", c.path, got, c.want)
		}
	}
}

// TestBoltAcknowledgedWritesSurviveKill9 runs a writer in a child process,
// kills it with SIGKILL mid-stream, and checks that every write the child
// had acknowledged is in the file.
func TestBoltAcknowledgedWritesSurviveKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltHelperProcess$")
	cmd.Env = append(os.Environ(), "MAJLIS_HELPER=write", "MAJLIS_HELPER_DB="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// If the test fails before the kill, do not leave the writer running.
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var acked []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked = append(acked, id)
			if len(acked) == 60 {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				break
			}
		}
	}
	// Read whatever else the child acknowledged before it died.
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked = append(acked, id)
		}
	}
	err = cmd.Wait()
	if len(acked) < 60 {
		t.Fatalf("child acknowledged only %d writes (exit: %v)", len(acked), err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed by SIGKILL: %v", cmd.ProcessState)
	}
	s := openBolt(t, path)
	defer s.Close()
	for _, id := range acked {
		e, err := s.GetEvent(context.Background(), id)
		if err != nil {
			t.Fatalf("acknowledged event %s lost after kill -9: %v", id, err)
		}
		storetest.CheckEvent(t, e, helperEvent(id))
		if e.Version != 1 {
			t.Fatalf("event %s at version %d, want 1", id, e.Version)
		}
		if a, err := s.GetAgenda(context.Background(), id); err != nil || a.Version != 1 {
			t.Fatalf("agenda of acknowledged event %s after kill -9: %v %+v", id, err, a)
		}
	}
	// The file is still a working database.
	evs, err := s.ListEvents(context.Background(), agenda.Filter{})
	if err != nil || len(evs) < len(acked) {
		t.Fatalf("list after kill -9: %v, %d events for %d acknowledged", err, len(evs), len(acked))
	}
	if _, _, err := s.CreateEvent(context.Background(), helperEvent("after-crash"), agenda.Agenda{}); err != nil {
		t.Fatalf("write after kill -9: %v", err)
	}
}

// helperEvent is the event the helper process writes under id.
func helperEvent(id string) agenda.Event {
	return storetest.Event(id, time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC))
}

// TestBoltHelperProcess is not a test: it is the child process of the tests above.
func TestBoltHelperProcess(t *testing.T) {
	mode := os.Getenv("MAJLIS_HELPER")
	if mode == "" {
		return
	}
	s, err := store.OpenBolt(os.Getenv("MAJLIS_HELPER_DB"))
	if err != nil {
		fmt.Fprintln(os.Stdout, err)
		os.Exit(3)
	}
	if mode == "write" {
		for i := 0; ; i++ {
			id := fmt.Sprintf("ev-%05d", i)
			if _, _, err := s.CreateEvent(context.Background(), helperEvent(id), agenda.Agenda{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
			fmt.Fprintln(os.Stdout, "ACK", id)
		}
	}
	os.Exit(0)
}

// seed opens a Bolt store holding n events an hour apart, in the five
// regions in turn.
func seed(b *testing.B, n int) (*store.Bolt, time.Time) {
	b.Helper()
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "majlis.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		e := storetest.Event(fmt.Sprintf("ev-%05d", i), start.Add(time.Duration(i)*time.Hour))
		e.Region = agenda.Regions[i%len(agenda.Regions)]
		if _, _, err := s.CreateEvent(context.Background(), e, agenda.Agenda{}); err != nil {
			b.Fatal(err)
		}
	}
	return s, start
}

// BenchmarkBoltListEvents10000 lists 10,000 stored events: all of them, one
// region (2,000 match), and a 30-day window (720 match).
func BenchmarkBoltListEvents10000(b *testing.B) {
	s, start := seed(b, 10000)
	storetest.BenchListEvents(b, s, start)
}

// BenchmarkBoltUpdateEvent10000 moves one event among 10,000 back and
// forth: one fsynced transaction and one index update per op.
func BenchmarkBoltUpdateEvent10000(b *testing.B) {
	s, start := seed(b, 10000)
	e, err := s.GetEvent(context.Background(), "ev-05000")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		e.Start = start.Add(time.Duration(i%9000) * time.Hour)
		e.End = e.Start.Add(time.Hour)
		if e, err = s.UpdateEvent(context.Background(), e, e.Version); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBoltReadsPlainLocationsAndSpeakers: events and agendas written before
// location and speakers had languages (plain strings) still load.
func TestBoltReadsPlainLocationsAndSpeakers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	s := openBolt(t, path)
	var edits []func(*bolt.Tx) error
	storetest.WriteLegacy(t, s, func(kind, id string, edit func(string) string) {
		bucket := map[string]string{"event": "events", "agenda": "agendas"}[kind]
		edits = append(edits, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(bucket))
			return b.Put([]byte(id), []byte(edit(string(b.Get([]byte(id))))))
		})
	})
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edits {
		if err := db.Update(e); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s = openBolt(t, path)
	defer s.Close()
	storetest.CheckLegacy(t, s)
}
