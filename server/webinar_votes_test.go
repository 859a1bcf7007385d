package server_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/majlis/majlis/realtime"
)

// TestWebinarVoteBurst: 1,000 attendees vote one question up at once, on
// the default send queue. Every page ends at the exact count, from far
// fewer question.votes than votes (the counts are coalesced), and nobody
// is closed as too slow (4000): a message per vote was a million
// deliveries, and pages were.
func TestWebinarVoteBurst(t *testing.T) {
	const n = 1000
	ts, _ := qaBenchServer(t, 0)
	cs := qaClients(t, ts, n, 0)
	id := voteBurst(t, cs)
	waitAll(t, cs, "the votes", func(c *qaClient) bool { return c.votes[id] == n })
	// A second vote by the same person is refused, the count unchanged.
	cs[1].send(realtime.CmdQuestionVote, map[string]string{"id": id})
	waitAll(t, cs[1:2], "the refusal", func(c *qaClient) bool { return len(c.refusals) == 1 || c.err != nil })
	most := 0
	for i, c := range cs {
		c.mu.Lock()
		votes, counts, err, refusals := c.votes[id], c.counts, c.err, c.refusals
		c.mu.Unlock()
		if votes != n || err != nil { // a close (4000 or another) ends the reader
			t.Fatalf("client %d: %d votes, reader ended with %v", i, votes, err)
		}
		if i != 1 && len(refusals) > 0 || i == 1 && len(refusals) != 1 {
			t.Fatalf("client %d: refusals %q", i, refusals)
		}
		most = max(most, counts)
	}
	if most >= n/2 {
		t.Fatalf("a page received %d question.votes for %d votes: not coalesced", most, n)
	}
	if !strings.Contains(cs[1].refusals[0], `"code":"`+string(realtime.ErrInvalidState)+`"`) {
		t.Fatalf("the second vote: %s", cs[1].refusals[0])
	}
}

// voteBurst has cs[0] ask a question, waits until every client has it,
// then has every client vote it up at once, and returns its ID.
func voteBurst(t *testing.T, cs []*qaClient) string {
	t.Helper()
	cs[0].send(realtime.CmdQuestionAsk, map[string]string{"text": "Will the plan be funded?"})
	var id string
	waitAll(t, cs[:1], "the question", func(c *qaClient) bool {
		for q := range c.questions {
			id = q
		}
		return id != ""
	})
	waitAll(t, cs, "the question everywhere", func(c *qaClient) bool { return c.questions[id] })
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() { c.send(realtime.CmdQuestionVote, map[string]string{"id": id}) })
	}
	wg.Wait()
	return id
}
