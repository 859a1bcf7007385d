package caption

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/ratelimit"
)

// Config tunes a Service.
type Config struct {
	// Languages are the language channels and caption languages.
	// Default: agenda.Languages (ar, en, fr, es).
	Languages []string
	// MaxLines is the cap of lines kept per channel; older ones are
	// dropped and counted. Default: DefaultMaxLines (20,000).
	MaxLines int
	// Rate is how many captions per second a token may post, on average.
	// Default: 5 (a fast CART writer sends two or three a second).
	Rate float64
	// Burst is how many captions a token may post at once after a pause.
	// Default: 20.
	Burst int
	// Limits counts the rate per token: the store shared by every
	// instance (store.Redis), so that a token posting through several
	// instances gets the rate once. Default: one instance's memory.
	Limits ratelimit.Counter
	// Now is the server clock. Default: time.Now.
	Now func() time.Time
}

// Service applies the caption rules on top of a Store.
//
// Its methods are goroutine-safe as far as the Store's are.
type Service struct {
	cfg   Config
	store Store
	// limit is the rate per token.
	limit ratelimit.Limiter
}

// New returns a Service over store.
func New(cfg Config, store Store) *Service {
	if len(cfg.Languages) == 0 {
		cfg.Languages = slices.Clone(agenda.Languages)
	}
	if cfg.MaxLines <= 0 {
		cfg.MaxLines = DefaultMaxLines
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limits == nil {
		cfg.Limits = &ratelimit.Memory{}
	}
	return &Service{cfg: cfg, store: store, limit: ratelimit.Limiter{Name: "captions",
		Rule: ratelimit.PerSecond(cfg.Rate, cfg.Burst), Counter: cfg.Limits, Now: cfg.Now}}
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

func (s *Service) checkChannel(p problems, event, channel string) {
	if !agenda.ValidID(event) {
		p.add("event", "must be 3-64 lowercase letters, digits or hyphens")
	}
	if !ValidChannel(channel, s.cfg.Languages) {
		p.add("channel", "must be floor or one of %s", strings.Join(s.cfg.Languages, ", "))
	}
}

// CreateToken makes a caption token for one channel of an event and
// returns it with its secret, which exists only in this answer: give it
// to the captioner. A zero expires means DefaultTokenLifetime from now.
// The caller has checked that the event exists and may be edited by
// whoever asks.
func (s *Service) CreateToken(ctx context.Context, event, channel, label string, expires time.Time) (Token, string, error) {
	now := s.now()
	p := problems{}
	s.checkChannel(p, event, channel)
	label = strings.TrimSpace(label)
	if why := controlProblem(label, false); why != "" {
		p.add("label", "%s", why)
	} else if n := utf8.RuneCountInString(label); n > MaxLabelRunes {
		p.add("label", "too long: %d characters, at most %d", n, MaxLabelRunes)
	}
	if expires.IsZero() {
		expires = now.Add(DefaultTokenLifetime)
	} else if !expires.After(now) {
		p.add("expires", "must be in the future")
	} else if expires.Sub(now) > MaxTokenLifetime {
		p.add("expires", "at most %d days from now", int(MaxTokenLifetime.Hours()/24))
	}
	if err := p.err(); err != nil {
		return Token{}, "", err
	}
	secret, id := newSecret()
	t := Token{ID: id, Event: event, Channel: channel, Label: label, Hash: HashSecret(secret),
		Created: now, Expires: expires.UTC().Truncate(time.Millisecond)}
	if err := s.store.CreateCaptionToken(ctx, t, MaxTokensPerEvent); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// Tokens returns an event's caption tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, event string) ([]Token, error) {
	return s.store.CaptionTokens(ctx, event)
}

// RevokeToken revokes an event's caption token; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, event, id string) (Token, error) {
	return s.store.RevokeCaptionToken(ctx, event, id)
}

// Authorize returns the token whose secret is given if it admits posts to
// channel of event now. Every refusal is ErrUnauthorized, whatever its
// cause; only a store failure is another error.
func (s *Service) Authorize(ctx context.Context, secret, event, channel string) (Token, error) {
	if !wellFormed(secret) {
		return Token{}, ErrUnauthorized
	}
	t, err := s.store.CaptionTokenByHash(ctx, HashSecret(secret))
	if errors.Is(err, ErrNotFound) {
		return Token{}, ErrUnauthorized
	}
	if err != nil {
		return Token{}, err
	}
	if !t.Admits(event, channel, s.now()) {
		return Token{}, ErrUnauthorized
	}
	return t, nil
}

// Ingest stores p, posted with tok (from Authorize), on tok's channel. The
// language defaults to the channel's; on a language channel it must be
// that language, on the floor any of Config.Languages. A duplicate (the
// token's latest seq again) is accepted and not stored twice: publish
// nothing for it. The rate limit counts every call, duplicates included.
func (s *Service) Ingest(ctx context.Context, tok Token, p Post) (Appended, error) {
	now := s.now()
	lang := p.Lang
	switch {
	case lang == "" && tok.Channel == Floor:
		return Appended{}, &ValidationError{Fields: map[string]string{
			"lang": "required on the floor channel: an ISO 639-1 code such as " + strings.Join(s.cfg.Languages, ", ")}}
	case lang == "":
		lang = tok.Channel
	case tok.Channel != Floor && lang != tok.Channel:
		return Appended{}, &ValidationError{Fields: map[string]string{
			"lang": fmt.Sprintf("the %s channel carries %s captions", tok.Channel, tok.Channel)}}
	case !slices.Contains(s.cfg.Languages, lang):
		return Appended{}, &ValidationError{Fields: map[string]string{
			"lang": "must be one of " + strings.Join(s.cfg.Languages, ", ")}}
	}
	switch ok, err := s.limit.Allow(ctx, tok.ID); {
	case err != nil:
		return Appended{}, fmt.Errorf("caption: rate limit: %w", err)
	case !ok:
		return Appended{}, ErrRateLimited
	}
	return s.store.AppendCaption(ctx, Line{Event: tok.Event, Channel: tok.Channel, Lang: lang,
		Speaker: p.Speaker, Text: p.Text, Token: tok.ID, Seq: p.Seq, Received: now}, s.cfg.MaxLines)
}

// Transcript returns what is kept of one channel's captions.
func (s *Service) Transcript(ctx context.Context, event, channel string) (Transcript, error) {
	p := problems{}
	s.checkChannel(p, event, channel)
	if err := p.err(); err != nil {
		return Transcript{}, err
	}
	return s.store.Captions(ctx, event, channel)
}

// Delete deletes an event's captions and caption tokens.
func (s *Service) Delete(ctx context.Context, event string) error {
	return s.store.DeleteCaptions(ctx, event)
}
