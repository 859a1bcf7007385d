package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/store"
)

// castAssembly is the secret ballot the durability tests cast in: n
// A-status institutions, all present, each with the delegate "d-<id>".
const (
	castEvent  = "ga-durable"
	castBallot = "budget"
	castVoters = 400
)

func castInstitution(i int) string { return fmt.Sprintf("inst-%04d", i) }

// openCastBallot makes the roll and opens the ballot on st.
func openCastBallot(t testing.TB, st ballot.Store) *ballot.Service {
	t.Helper()
	ctx := context.Background()
	var ins []institution.Institution
	for i := range castVoters {
		id := castInstitution(i)
		ins = append(ins, institution.Institution{ID: id, Status: institution.StatusA, Delegates: []institution.Delegate{{Ref: "d-" + id}}})
	}
	svc := ballot.New(ballot.Config{}, st)
	r := ballot.NewRoll(castEvent, ins)
	for _, m := range r.Members {
		r.Present = append(r.Present, m.Institution)
	}
	if _, err := svc.PutRoll(ctx, r, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Prepare(ctx, ballot.Ballot{ID: castBallot, Event: castEvent, Kind: ballot.KindMotion, Secret: true, Title: agenda.Text{"en": "Budget"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Open(ctx, castBallot); err != nil {
		t.Fatal(err)
	}
	return svc
}

// checkCasts fails unless every acknowledged cast (institution → receipt)
// is in st: the institution among the voters, its receipt in the box, and
// as many papers as voters (a cast is both records or neither).
func checkCasts(t *testing.T, st ballot.Store, acked map[string]string) {
	t.Helper()
	ctx := context.Background()
	voters, err := st.Voters(ctx, castBallot)
	if err != nil {
		t.Fatal(err)
	}
	papers, err := st.Papers(ctx, castBallot)
	if err != nil {
		t.Fatal(err)
	}
	if len(voters) != len(papers) || len(voters) < len(acked) {
		t.Fatalf("%d voters and %d papers for %d acknowledged casts", len(voters), len(papers), len(acked))
	}
	for inst, code := range acked {
		if !slices.Contains(voters, inst) {
			t.Fatalf("the acknowledged cast of %s is lost", inst)
		}
		if !slices.ContainsFunc(papers, func(p ballot.Paper) bool { return p.Receipt == code }) {
			t.Fatalf("the acknowledged paper %s is lost", code)
		}
	}
}

// TestBoltCastsSurviveKill9 casts in a child process over the embedded
// store, kills it with SIGKILL mid-stream, reopens the same file and finds
// every cast the child had acknowledged, each whole; the ballot then closes
// and counts them.
func TestBoltCastsSurviveKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltCastHelperProcess$")
	cmd.Env = append(os.Environ(), "MAJLIS_CAST_HELPER=1", "MAJLIS_HELPER_DB="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	acked := map[string]string{}
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "ACK" {
			acked[f[1]] = f[2]
			if len(acked) == 40 && !killed {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
	}
	err = cmd.Wait()
	if len(acked) < 40 {
		t.Fatalf("the child acknowledged %d casts (exit: %v)", len(acked), err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed by SIGKILL: %v", cmd.ProcessState)
	}
	if len(acked) == castVoters {
		t.Fatal("the child cast every ballot before it was killed: nothing was in flight")
	}
	st, err := store.OpenBolt(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	checkCasts(t, st, acked)
	svc := ballot.New(ballot.Config{}, st)
	b, err := svc.Close(context.Background(), castBallot)
	if err != nil || b.Verdict == nil || b.Verdict.Tally.Papers < len(acked) {
		t.Fatalf("close after kill -9: %v %+v", err, b.Verdict)
	}
}

// TestBoltCastHelperProcess is not a test: it is the child process of
// TestBoltCastsSurviveKill9, casting until it is killed.
func TestBoltCastHelperProcess(t *testing.T) {
	if os.Getenv("MAJLIS_CAST_HELPER") == "" {
		return
	}
	st, err := store.OpenBolt(os.Getenv("MAJLIS_HELPER_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	svc := openCastBallot(t, st)
	for i := range castVoters {
		id := castInstitution(i)
		rc, err := svc.Cast(context.Background(), castBallot, "d-"+id, id, ballot.Choice{Option: ballot.OptionYes})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(4)
		}
		fmt.Fprintln(os.Stdout, "ACK", id, rc.Code)
	}
	os.Exit(0)
}

// TestRedisCastsSurviveKill9AndRestart casts from four goroutines into a
// Redis run durable (AOF, appendfsync always), kills redis-server with
// SIGKILL while casts are in flight, and checks that a cast while it is
// down is refused with the stable code unavailable; after the restart on
// the same data every acknowledged cast is there, whole, and voting goes
// on.
func TestRedisCastsSurviveKill9AndRestart(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, redistest.Config{AppendFsync: "always"})
	prefix := newPrefix()
	st := openRedis(t, srv.URL(), store.RedisConfig{Prefix: prefix})
	svc := openCastBallot(t, st)
	ctx := context.Background()

	var mu sync.Mutex
	acked := map[string]string{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= castVoters {
					return
				}
				id := castInstitution(i)
				rc, err := svc.Cast(ctx, castBallot, "d-"+id, id, ballot.Choice{Option: ballot.OptionNo})
				if err != nil {
					return // Redis is gone
				}
				mu.Lock()
				acked[id] = rc.Code
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) == castVoters {
		t.Fatal("every cast was acknowledged before the kill: nothing was in flight")
	}

	// Down: a cast is refused, visibly, with a stable code.
	last := castInstitution(castVoters - 1)
	down, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, err := svc.Cast(down, castBallot, "d-"+last, last, ballot.Choice{Option: ballot.OptionYes})
	cancel()
	if !errors.Is(err, ballot.ErrUnavailable) || ballot.CodeOf(err) != "unavailable" {
		t.Fatalf("a cast while Redis is down: %v (code %q), want ballot.ErrUnavailable", err, ballot.CodeOf(err))
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	fresh := openRedis(t, srv.URL(), store.RedisConfig{Prefix: prefix})
	for _, s := range []ballot.Store{st, fresh} {
		checkCasts(t, s, acked)
	}
	// Voting goes on: the refused cast, cast again, is recorded once.
	if _, err := svc.Cast(ctx, castBallot, "d-"+last, last, ballot.Choice{Option: ballot.OptionYes}); err != nil && !errors.Is(err, ballot.ErrAlreadyVoted) {
		t.Fatalf("a cast after the restart: %v", err)
	}
	voters, err := fresh.Voters(ctx, castBallot)
	if err != nil || !slices.Contains(voters, last) {
		t.Fatalf("after the restart: %v %v", err, voters)
	}
}
