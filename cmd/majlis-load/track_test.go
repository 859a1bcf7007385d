package main

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/majlis/majlis/realtime"
)

// TestStreamCounts: what a receiver concludes from the counters it sees —
// a gap is a loss until the message turns up late (reordered), a second
// copy is a duplicate, and what never came after the last one seen is
// lost too.
func TestStreamCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                        string
		seen                        []uint64
		last                        uint64 // the publisher's final counter
		lost, duplicated, reordered uint64
		firstArrivals               int
	}{
		{name: "all in order", seen: []uint64{1, 2, 3, 4}, last: 4, firstArrivals: 4},
		{name: "a gap", seen: []uint64{1, 2, 4}, last: 4, lost: 1, firstArrivals: 3},
		{name: "a duplicate", seen: []uint64{1, 2, 2, 3}, last: 3, duplicated: 1, firstArrivals: 3},
		{name: "late, not lost", seen: []uint64{1, 3, 2, 4}, last: 4, reordered: 1, firstArrivals: 4},
		{name: "late, then again", seen: []uint64{1, 3, 2, 2}, last: 3, reordered: 1, duplicated: 1, firstArrivals: 3},
		{name: "the tail never came", seen: []uint64{1, 2}, last: 5, lost: 3, firstArrivals: 2},
		{name: "the first never came", seen: []uint64{2, 3}, last: 3, lost: 1, firstArrivals: 2},
		{name: "nothing came", last: 3, lost: 3},
		{name: "a wide gap and its middle", seen: []uint64{1, 10, 5}, last: 10, lost: 7, reordered: 1, firstArrivals: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s stream
			first := 0
			for _, c := range tt.seen {
				if s.see(c) {
					first++
				}
			}
			if got := s.lost(tt.last); got != tt.lost {
				t.Errorf("lost %d, want %d", got, tt.lost)
			}
			if s.duplicated != tt.duplicated || s.reordered != tt.reordered {
				t.Errorf("duplicated %d reordered %d, want %d and %d", s.duplicated, s.reordered, tt.duplicated, tt.reordered)
			}
			if first != tt.firstArrivals || s.received != uint64(len(tt.seen)) {
				t.Errorf("first arrivals %d of %d received, want %d of %d", first, s.received, tt.firstArrivals, len(tt.seen))
			}
		})
	}
}

// TestHistogramQuantiles: quantiles within the buckets' 0.2 % error, exact
// below a millisecond.
func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h histogram
	for i := 1; i <= 1000; i++ { // 1 ms … 1000 ms
		h.record(time.Duration(i) * time.Millisecond)
	}
	h.record(-time.Second) // clock trouble counts as zero
	tests := []struct {
		name   string
		q      float64
		expect time.Duration
	}{
		{name: "p50", q: 0.50, expect: 500 * time.Millisecond},
		{name: "p99", q: 0.99, expect: 990 * time.Millisecond},
		{name: "min", q: 0.0001, expect: 0},
	}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		if diff := got - tt.expect; diff > tt.expect/500 || diff < -tt.expect/500 {
			t.Errorf("%s: %v, want %v (±0.2 %%)", tt.name, got, tt.expect)
		}
	}
	if h.maxDuration() != time.Second || h.count.Load() != 1001 {
		t.Errorf("max %v count %d", h.maxDuration(), h.count.Load())
	}
	var small histogram
	small.record(700 * time.Microsecond)
	if got := small.quantile(0.5); got != 700*time.Microsecond {
		t.Errorf("700 µs reads back as %v", got)
	}
	if got := (&histogram{}).quantile(0.99); got != 0 {
		t.Errorf("empty: %v", got)
	}
}

// TestWireFormats: load messages survive the server's encoding (chat text
// inside a JSON envelope, audio payload inside a frame), and anything else
// is not mistaken for one.
func TestWireFormats(t *testing.T) {
	t.Parallel()
	env, err := json.Marshal(realtime.Envelope{Type: realtime.MsgChat, Room: "ev-1", Seq: 42, TS: 1700000000000, From: "m-1",
		Data: json.RawMessage(`{"text":"` + chatText(7, 1234, 987654321) + `","name":"Load \"client\" 7","role":"participant"}`)})
	if err != nil {
		t.Fatal(err)
	}
	pub, counter, sent, ok := parseChat(env)
	if !ok || pub != 7 || counter != 1234 || sent != 987654321 {
		t.Errorf("parseChat(%s) = %d %d %d %v", env, pub, counter, sent, ok)
	}
	tests := []struct {
		name string
		msg  string
	}{
		{name: "a person's chat", msg: `{"type":"chat","seq":3,"data":{"text":"hello","name":"A","role":"host"}}`},
		{name: "a chat that only looks like one", msg: `{"type":"chat","data":{"text":"load|1|2","name":"A"}}`},
		{name: "counter zero", msg: `{"type":"chat","data":{"text":"load|1|0|5","name":"A"}}`},
		{name: "another type", msg: `{"type":"presence.join","data":{"text":"load|1|2|3"}}`},
	}
	for _, tt := range tests {
		if _, _, _, ok := parseChat([]byte(tt.msg)); ok {
			t.Errorf("%s: parsed as a load message", tt.name)
		}
	}
	if code, ok := parseError([]byte(`{"type":"error","room":"ev-1","data":{"code":"rate_limited","message":"slow down"}}`)); !ok || code != "rate_limited" {
		t.Errorf("parseError: %q %v", code, ok)
	}
	for _, c := range []uint64{1, 2, 80, 1 << 40} {
		p := audioPayload(c, 5_000_000)
		if len(p) < 80 || len(p) > 160 {
			t.Errorf("payload of %d bytes, want 80–160 like Opus 20 ms frames", len(p))
		}
		ch, counter, sent, ok := parseAudio(realtime.AudioFrame("fr", p))
		if !ok || ch != "fr" || counter != c || sent != 5_000_000 {
			t.Errorf("parseAudio: %q %d %d %v", ch, counter, sent, ok)
		}
	}
}

// TestWrongChannelCounted: a frame from another channel than the one a
// listener tuned to is counted as such, not as a delivery.
func TestWrongChannelCounted(t *testing.T) {
	t.Parallel()
	r := newRun(config{mode: "audio"}, nil)
	r.measureFrom.Store(0)
	r.measureTo.Store(1 << 62)
	c := &client{channel: "fr", track: true, streams: make([]stream, 1)}
	r.onFrame(c, realtime.AudioFrame("fr", audioPayload(1, 10)), 20)
	r.onFrame(c, realtime.AudioFrame("floor", audioPayload(2, 10)), 20)
	r.onFrame(c, realtime.AudioFrame("fr", audioPayload(3, 10)), 20)
	if r.wrongChannel.Load() != 1 || r.delivered.Load() != 2 || c.streams[0].lost(3) != 1 {
		t.Errorf("wrong channel %d, delivered %d, lost %d; want 1, 2, 1",
			r.wrongChannel.Load(), r.delivered.Load(), c.streams[0].lost(3))
	}
}

// FuzzParseServerMessages: whatever a server sends, the load generator's
// parsers do not panic, and what parseChat accepts reads back as the load
// message it claims to be.
func FuzzParseServerMessages(f *testing.F) {
	f.Add([]byte(`{"type":"chat","room":"ev-1","seq":3,"data":{"text":"load|1|2|3","name":"A","role":"participant"}}`))
	f.Add([]byte(`{"type":"error","data":{"code":"rate_limited","message":"slow down"}}`))
	f.Add(realtime.AudioFrame("fr", audioPayload(7, 99)))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if pub, counter, sent, ok := parseChat(msg); ok {
			if pub < 0 || counter == 0 || !bytes.Contains(msg, []byte(chatText(pub, counter, sent))) {
				t.Errorf("parseChat(%q) = %d %d %d", msg, pub, counter, sent)
			}
		}
		_, _ = parseError(msg)
		if ch, _, _, ok := parseAudio(msg); ok && (ch == "" || len(ch) > 16) {
			t.Errorf("parseAudio(%q): channel %q", msg, ch)
		}
	})
}

// TestCentrifugoPushes: a frame of Centrifugo's JSON protocol may hold
// several lines (replies, pushes, a ping); each load publication counts,
// nothing else does.
func TestCentrifugoPushes(t *testing.T) {
	r := newRun(config{protocol: "centrifugo"}, io.Discard)
	c := &client{track: true, streams: make([]stream, 3)}
	frame := `{"id":7,"publish":{}}` + "\n" +
		`{"push":{"channel":"room","pub":{"data":{"text":"` + chatText(2, 1, 10) + `"},"offset":1}}}` + "\n" +
		`{}` + "\n" +
		`{"push":{"channel":"room","pub":{"data":{"text":"` + chatText(0, 1, 20) + `"}}}}`
	r.onText(c, []byte(frame), 30)
	r.onText(c, []byte(`{"push":{"channel":"room","pub":{"data":{"text":"`+chatText(2, 2, 40)+`"}}}}`), 50)
	if got := r.delivered.Load(); got != 3 {
		t.Errorf("delivered %d, want 3", got)
	}
	if c.streams[2].lost(2) != 0 || c.streams[0].lost(1) != 0 || c.streams[1].lost(0) != 0 {
		t.Errorf("streams: %+v", c.streams)
	}
	if got := centrifugoPublish("room", 1, 5, 99); !bytes.Contains(got, []byte(`"channel":"room","data":{"text":"load|1|5|99"}`)) {
		t.Errorf("publish command %s", got)
	}
}
