package caption_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/caption"
)

var ctx = context.Background()

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newService(cfg caption.Config) (*caption.Service, *memStore, *clock) {
	c := &clock{now: time.Date(2021, 7, 1, 16, 30, 0, 123456789, time.FixedZone("CEST", 2*3600))}
	cfg.Now = c.Now
	m := newMemStore()
	return caption.New(cfg, m), m, c
}

func TestCreateToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		event   string
		channel string
		label   string
		expires time.Duration // from now; 0 for none
		field   string
	}{
		{"bad event", "Side Event", "fr", "", 0, "event"},
		{"unknown channel", "side-event", "de", "", 0, "channel"},
		{"country code as channel", "side-event", "FR", "", 0, "channel"},
		{"label with a newline", "side-event", "fr", "a\nb", 0, "label"},
		{"label too long", "side-event", "fr", strings.Repeat("l", 101), 0, "label"},
		{"expired already", "side-event", "fr", "", -time.Second, "expires"},
		{"too long a life", "side-event", "fr", "", 61 * 24 * time.Hour, "expires"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, m, c := newService(caption.Config{})
			var exp time.Time
			if tc.expires != 0 {
				exp = c.Now().Add(tc.expires)
			}
			_, _, err := s.CreateToken(ctx, tc.event, tc.channel, tc.label, exp)
			var ve *caption.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("CreateToken: %v, want an error naming %q", err, tc.field)
			}
			if len(m.tokens) != 0 {
				t.Fatalf("a refused token was stored")
			}
		})
	}

	t.Run("a secret of 256 bits, shown once, stored as a hash", func(t *testing.T) {
		t.Parallel()
		s, _, c := newService(caption.Config{})
		tok, secret, err := s.CreateToken(ctx, "side-event", "floor", " CART provider ", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "mjc_") || len(secret) != 56 {
			t.Fatalf("secret %q: want mjc_ and 52 base32 characters", secret)
		}
		if !strings.HasPrefix(tok.ID, "ctk_") || strings.Contains(secret, tok.ID[4:]) {
			t.Fatalf("token ID %q must be public and apart from the secret", tok.ID)
		}
		if want := c.Now().UTC().Truncate(time.Millisecond).Add(caption.DefaultTokenLifetime); !tok.Expires.Equal(want) || tok.Label != "CART provider" {
			t.Fatalf("token %+v: want expiry %v and a trimmed label", tok, want)
		}
		list, _ := s.Tokens(ctx, "side-event")
		if len(list) != 1 || list[0].Hash != caption.HashSecret(secret) {
			t.Fatalf("stored %+v, want one token holding the secret's hash", list)
		}
		b, _ := json.Marshal(list[0])
		if strings.Contains(string(b), secret) || strings.Contains(string(b), list[0].Hash) {
			t.Fatalf("a token's JSON carries its secret or hash: %s", b)
		}
		_, again, _ := s.CreateToken(ctx, "side-event", "floor", "", time.Time{})
		if again == secret {
			t.Fatalf("two tokens share a secret")
		}
	})

	t.Run("at most 50 per event", func(t *testing.T) {
		t.Parallel()
		s, _, _ := newService(caption.Config{})
		for i := range caption.MaxTokensPerEvent {
			if _, _, err := s.CreateToken(ctx, "side-event", "fr", fmt.Sprint(i), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := s.CreateToken(ctx, "side-event", "fr", "one too many", time.Time{})
		if !errors.Is(err, caption.ErrTooManyTokens) || caption.CodeOf(err) != "too_many_tokens" {
			t.Fatalf("token %d: %v, want ErrTooManyTokens", caption.MaxTokensPerEvent+1, err)
		}
	})
}

func TestAuthorize(t *testing.T) {
	t.Parallel()
	s, _, c := newService(caption.Config{})
	good, secret, err := s.CreateToken(ctx, "side-event", "fr", "", c.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	toRevoke, revoked, _ := s.CreateToken(ctx, "side-event", "fr", "", time.Time{})
	if _, err := s.RevokeToken(ctx, "side-event", toRevoke.ID); err != nil {
		t.Fatal(err)
	}
	_, expiring, _ := s.CreateToken(ctx, "side-event", "fr", "", c.Now().Add(time.Minute))
	_, confidential, _ := s.CreateToken(ctx, "threats-and-reprisals", "fr", "", time.Time{})
	c.Add(time.Minute) // expiring expires now: "until" is exclusive
	tests := []struct {
		name    string
		secret  string
		event   string
		channel string
		ok      bool
	}{
		{"the right event and channel", secret, "side-event", "fr", true},
		{"another channel", secret, "side-event", "floor", false},
		{"another event", secret, "general-assembly", "fr", false},
		{"a confidential event's token on a public one", confidential, "side-event", "fr", false},
		{"a public event's token on a confidential one", secret, "threats-and-reprisals", "fr", false},
		{"revoked", revoked, "side-event", "fr", false},
		{"expired", expiring, "side-event", "fr", false},
		{"unknown, well-formed", "mjc_" + strings.Repeat("a", 52), "side-event", "fr", false},
		{"one character changed", secret[:46] + string(secret[46]^1), "side-event", "fr", false},
		{"too short", secret[:30], "side-event", "fr", false},
		{"too long", secret + "A", "side-event", "fr", false},
		{"another prefix", "mjo_" + secret[4:], "side-event", "fr", false},
		{"not base32", "mjc_" + strings.Repeat("+", 52), "side-event", "fr", false},
		{"empty", "", "side-event", "fr", false},
	}
	var messages []string
	for _, tc := range tests {
		got, err := s.Authorize(ctx, tc.secret, tc.event, tc.channel)
		if tc.ok {
			if err != nil || got.ID != good.ID {
				t.Fatalf("%s: %+v, %v; want the token", tc.name, got, err)
			}
			continue
		}
		if err != caption.ErrUnauthorized || got != (caption.Token{}) {
			t.Fatalf("%s: %+v, %v; want exactly ErrUnauthorized and no token", tc.name, got, err)
		}
		messages = append(messages, err.Error()+"/"+string(caption.CodeOf(err)))
	}
	for _, m := range messages {
		if m != messages[0] {
			t.Fatalf("refusals differ: %q and %q", m, messages[0])
		}
	}
	if _, err := s.RevokeToken(ctx, "general-assembly", good.ID); !errors.Is(err, caption.ErrNotFound) {
		t.Fatalf("revoking through another event: %v, want ErrNotFound", err)
	}
}

func TestIngest(t *testing.T) {
	t.Parallel()
	s, m, c := newService(caption.Config{})
	_, fr, _ := s.CreateToken(ctx, "side-event", "fr", "", time.Time{})
	_, floor, _ := s.CreateToken(ctx, "side-event", "floor", "", time.Time{})
	tests := []struct {
		name    string
		secret  string
		channel string
		post    caption.Post
		field   string // a validation error naming it
		err     error
		want    caption.Appended
	}{
		{"a language channel's language by default", fr, "fr", caption.Post{Seq: 1, Text: "Bonjour"}, "", nil,
			caption.Appended{Line: caption.Line{Lang: "fr", Text: "Bonjour", Seq: 1, Pos: 1}}},
		{"another language on a language channel", fr, "fr", caption.Post{Seq: 2, Lang: "en", Text: "Hello"}, "lang", nil, caption.Appended{}},
		{"the floor needs a language", floor, "floor", caption.Post{Seq: 1, Text: "Hello"}, "lang", nil, caption.Appended{}},
		{"the floor takes a configured one", floor, "floor", caption.Post{Seq: 1, Lang: "ar", Speaker: "السيدة فاطمة", Text: "مرحبًا"}, "", nil,
			caption.Appended{Line: caption.Line{Lang: "ar", Speaker: "السيدة فاطمة", Text: "مرحبًا", Seq: 1, Pos: 1}}},
		{"not another", floor, "floor", caption.Post{Seq: 2, Lang: "de", Text: "Hallo"}, "lang", nil, caption.Appended{}},
		{"a repeated seq is a duplicate", fr, "fr", caption.Post{Seq: 1, Text: "Bonjour"}, "", nil,
			caption.Appended{Line: caption.Line{Lang: "fr", Text: "Bonjour", Seq: 1, Pos: 1}, Duplicate: true}},
		{"a lower seq is refused", fr, "fr", caption.Post{Seq: 0, Text: "Avant"}, "", caption.ErrSeqOutOfOrder, caption.Appended{}},
		{"a higher one is stored", fr, "fr", caption.Post{Seq: 10, Text: "Suite"}, "", nil,
			caption.Appended{Line: caption.Line{Lang: "fr", Text: "Suite", Seq: 10, Pos: 2}}},
	}
	for _, tc := range tests {
		tok, err := s.Authorize(ctx, tc.secret, "side-event", tc.channel)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Ingest(ctx, tok, tc.post)
		if tc.field != "" {
			var ve *caption.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("%s: %v, want an error naming %q", tc.name, err, tc.field)
			}
			continue
		}
		if !errors.Is(err, tc.err) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.err)
		}
		if tc.err != nil {
			if caption.CodeOf(err) != "seq_out_of_order" {
				t.Fatalf("%s: code %q", tc.name, caption.CodeOf(err))
			}
			continue
		}
		w := tc.want
		w.Line.Event, w.Line.Channel, w.Line.Token = "side-event", tc.channel, tok.ID
		w.Line.Received = c.Now().UTC().Truncate(time.Millisecond)
		if got.Line.Received.Location() != time.UTC || got != w {
			t.Fatalf("%s:\n got %+v\nwant %+v", tc.name, got, w)
		}
		c.Add(time.Second)
	}
	tr, _ := m.Captions(ctx, "side-event", "fr")
	if len(tr.Lines) != 2 {
		t.Fatalf("%d lines stored on fr, want 2", len(tr.Lines))
	}
}

func TestIngestCap(t *testing.T) {
	t.Parallel()
	s, m, _ := newService(caption.Config{MaxLines: 3, Rate: 1000, Burst: 1000})
	_, secret, _ := s.CreateToken(ctx, "side-event", "es", "", time.Time{})
	tok, _ := s.Authorize(ctx, secret, "side-event", "es")
	for seq := range uint64(5) {
		if _, err := s.Ingest(ctx, tok, caption.Post{Seq: seq, Text: "hola"}); err != nil {
			t.Fatal(err)
		}
	}
	if tr, _ := m.Captions(ctx, "side-event", "es"); len(tr.Lines) != 3 || tr.Dropped != 2 || tr.Lines[0].Pos != 3 {
		t.Fatalf("with a cap of 3 after 5 lines: %+v", tr)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	s, m, c := newService(caption.Config{Rate: 2, Burst: 3})
	_, a, _ := s.CreateToken(ctx, "side-event", "fr", "", time.Time{})
	_, b, _ := s.CreateToken(ctx, "side-event", "fr", "", time.Time{})
	ta, _ := s.Authorize(ctx, a, "side-event", "fr")
	tb, _ := s.Authorize(ctx, b, "side-event", "fr")
	seq := uint64(0)
	post := func(tok caption.Token) error {
		seq++
		_, err := s.Ingest(ctx, tok, caption.Post{Seq: seq, Text: "x"})
		return err
	}
	steps := []struct {
		name  string
		tok   caption.Token
		after time.Duration
		err   error
	}{
		{"burst 1", ta, 0, nil},
		{"burst 2", ta, 0, nil},
		{"burst 3", ta, 0, nil},
		{"beyond the burst", ta, 0, caption.ErrRateLimited},
		{"another token has its own bucket", tb, 0, nil},
		{"half a second refills one", ta, 500 * time.Millisecond, nil},
		{"and only one", ta, 0, caption.ErrRateLimited},
		{"a long pause refills the burst, no more", ta, time.Hour, nil},
		{"2 of 3", ta, 0, nil},
		{"3 of 3", ta, 0, nil},
		{"4 of 3", ta, 0, caption.ErrRateLimited},
	}
	for _, st := range steps {
		c.Add(st.after)
		if err := post(st.tok); !errors.Is(err, st.err) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.err)
		} else if err != nil && caption.CodeOf(err) != "rate_limited" {
			t.Fatalf("%s: code %q", st.name, caption.CodeOf(err))
		}
	}
	if tr, _ := m.Captions(ctx, "side-event", "fr"); len(tr.Lines) != 8 {
		t.Fatalf("%d lines stored, want the 8 allowed", len(tr.Lines))
	}
}
