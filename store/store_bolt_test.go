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
	defer s.Close()
	// bbolt's flock is per process; a child process sees the lock.
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltHelperProcess$")
	cmd.Env = append(os.Environ(), "MAJLIS_HELPER=open", "MAJLIS_HELPER_DB="+path)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "locked by another process") {
		t.Fatalf("second process: err %v, output %s", err, out)
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
	_ = cmd.Wait()
	if len(acked) < 60 {
		t.Fatalf("child acknowledged only %d writes", len(acked))
	}
	s := openBolt(t, path)
	defer s.Close()
	for _, id := range acked {
		e, err := s.GetEvent(context.Background(), id)
		if err != nil {
			t.Fatalf("acknowledged event %s lost after kill -9: %v", id, err)
		}
		if e.Title["ar"] != storetest.Event(id, time.Time{}).Title["ar"] {
			t.Fatalf("event %s damaged: %+v", id, e)
		}
	}
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
		start := time.Date(2021, 7, 1, 14, 30, 0, 0, time.UTC)
		for i := 0; ; i++ {
			id := fmt.Sprintf("ev-%05d", i)
			if _, _, err := s.CreateEvent(context.Background(), storetest.Event(id, start), agenda.Agenda{}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(4)
			}
			fmt.Fprintln(os.Stdout, "ACK", id)
		}
	}
	os.Exit(0)
}

// BenchmarkBoltListEvents10000 lists 10,000 stored events, all and filtered.
func BenchmarkBoltListEvents10000(b *testing.B) {
	s, err := store.OpenBolt(filepath.Join(b.TempDir(), "majlis.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	regions := []agenda.Region{agenda.RegionGlobal, agenda.RegionAfrica, agenda.RegionAmericas, agenda.RegionAsiaPacific, agenda.RegionEurope}
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	for i := range 10000 {
		e := storetest.Event(fmt.Sprintf("ev-%05d", i), start.Add(time.Duration(i)*time.Hour))
		e.Region = regions[i%len(regions)]
		if _, _, err := s.CreateEvent(context.Background(), e, agenda.Agenda{}); err != nil {
			b.Fatal(err)
		}
	}
	for _, f := range []struct {
		name string
		f    agenda.Filter
	}{{"all", agenda.Filter{}}, {"region", agenda.Filter{Region: agenda.RegionEurope}}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ListEvents(context.Background(), f.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
