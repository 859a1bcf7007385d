package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/majlis/majlis/internal/syncbuf"
)

// TestAssemblyRun: against a real server, a small assembly's delegates
// all cast, every cast is acknowledged, every client hears the verdict,
// and the tally equals the casts; the JSON report carries the fields
// scripts/bench-assembly reads.
func TestAssemblyRun(t *testing.T) {
	t.Parallel()
	base, _, token := newServer(t)
	var log syncbuf.Buffer
	cfg := assemblyConfig{urls: []string{base}, token: token, institutions: 9, window: 200 * time.Millisecond,
		secret: true, spread: true, perAddr: 10, timeout: 30 * time.Second}
	rep, err := assemblyRun(context.Background(), cfg, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if rep.Acknowledged != 9 || rep.Unanswered != 0 || len(rep.Refused) != 0 || rep.VerdictMissing != 0 || !rep.TallyMatches {
		t.Fatalf("report %+v", rep)
	}
	if rep.Tally.Yes != 6 || rep.Tally.No != 2 || rep.Tally.Abstain != 1 || rep.Outcome != "adopted" || rep.Verdict.Samples != 10 {
		t.Fatalf("verdict %+v %+v, %d verdicts", rep.Outcome, rep.Tally, rep.Verdict.Samples)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"cast_to_receipt":{`, `"close_to_verdict_everywhere":{`, `"close_to_host_ms":`, `"tally_matches":true`, `"acknowledged":9`, `"p99":`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("report lacks %s: %s", key, b)
		}
	}
}
