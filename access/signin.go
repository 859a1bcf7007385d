package access

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Timeouts of the organizer app's sign-in.
const (
	// SessionIdle ends a session nobody used for this long.
	SessionIdle = 30 * time.Minute
	// SessionMax ends a session this long after it began, used or not.
	SessionMax = 12 * time.Hour
	// LinkTTL is how long a sign-in link works (once).
	LinkTTL = 15 * time.Minute
	// CeremonyTTL is how long a WebAuthn ceremony may take between its
	// begin and its finish.
	CeremonyTTL = 5 * time.Minute
	// touchEvery limits how often a session's LastSeen is written: at most
	// once a minute, not on every request.
	touchEvery = time.Minute
	// MaxTokenName bounds an API token's name.
	MaxTokenName = 60
	// MaxUserAgent bounds the stored user-agent summary.
	MaxUserAgent = 120
)

// Token prefixes: each secret says what it is, so leaked ones are easy to
// grep for and a secret of one kind is never accepted as another.
const (
	sessionPrefix = "mjs_"
	linkPrefix    = "mjl_"
)

// Errors of sign-in links: each gets its own page, in the organizer's
// language.
var (
	// ErrLinkUnknown is a sign-in link that was never issued (forged or
	// mistyped).
	ErrLinkUnknown = errors.New("access: unknown sign-in link")
	// ErrLinkExpired is a sign-in link older than LinkTTL.
	ErrLinkExpired = errors.New("access: sign-in link expired")
	// ErrLinkUsed is a sign-in link that was already used once.
	ErrLinkUsed = errors.New("access: sign-in link already used")
)

// Session is an organizer signed in to the organizer app in one browser.
// The cookie holds a random secret; only its hash is stored.
type Session struct {
	// ID names the session in listings and revocations; it is not the
	// secret.
	ID        string    `json:"id"`
	Organizer string    `json:"organizer"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	// Expires is Created plus SessionMax: stores may forget the session
	// after it.
	Expires time.Time `json:"expires"`
	// UserAgent summarises the browser ("Chrome on Linux"), at most
	// MaxUserAgent bytes.
	UserAgent string `json:"user_agent"`
	// Hash is the hex SHA-256 of the cookie's secret.
	Hash string `json:"-"`
}

// Link is a single-use sign-in link: it enrols a passkey or recovers
// access. Only the hash of its secret is stored.
type Link struct {
	Hash      string `json:"-"`
	Organizer string `json:"organizer"`
	// By is the organizer who made it, or "" for the command line.
	By      string    `json:"by,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Used is when the link was used; zero until then.
	Used time.Time `json:"used,omitzero"`
}

// Passkey is a WebAuthn credential of an organizer. Data is the
// credential as the WebAuthn library encodes it (public key, sign count,
// flags); access keeps it opaque.
type Passkey struct {
	// ID is the credential ID, base64url without padding.
	ID        string    `json:"id"`
	Organizer string    `json:"organizer"`
	Created   time.Time `json:"created"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	Data      []byte    `json:"data"`
}

// Token is one of an organizer's named API tokens, for scripts.
type Token struct {
	ID        string    `json:"id"`
	Organizer string    `json:"organizer"`
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	LastUsed  time.Time `json:"last_used,omitzero"`
	// Hash is the hex SHA-256 of the token.
	Hash string `json:"-"`
}

// SignInStore keeps what signing in needs: sessions, sign-in links,
// passkeys, WebAuthn ceremonies in progress and named API tokens. Every
// missing record is ErrNotFound. Implementations live in package store.
type SignInStore interface {
	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash finds a session by the hash of its secret.
	SessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchSession records that the session was used at at; a session
	// that is gone is not made again (ErrNotFound).
	TouchSession(ctx context.Context, hash string, at time.Time) error
	// ListSessions returns an organizer's sessions, oldest first.
	ListSessions(ctx context.Context, organizer string) ([]Session, error)
	// DeleteSession ends one of an organizer's sessions, or ErrNotFound.
	DeleteSession(ctx context.Context, organizer, id string) error
	// DeleteSessions ends every session of an organizer.
	DeleteSessions(ctx context.Context, organizer string) error

	// CreateLink stores a new sign-in link.
	CreateLink(ctx context.Context, l Link) error
	// LinkByHash finds a sign-in link by the hash of its secret.
	LinkByHash(ctx context.Context, hash string) (Link, error)
	// UseLink marks a link used at at, atomically, and returns it as it
	// was before: a non-zero Used means somebody used it first.
	UseLink(ctx context.Context, hash string, at time.Time) (Link, error)

	// AddPasskey stores a new passkey.
	AddPasskey(ctx context.Context, p Passkey) error
	// PasskeyByID finds a passkey by its credential ID.
	PasskeyByID(ctx context.Context, id string) (Passkey, error)
	// ListPasskeys returns an organizer's passkeys, oldest first.
	ListPasskeys(ctx context.Context, organizer string) ([]Passkey, error)
	// UpdatePasskey replaces a stored passkey (its sign count, last use).
	UpdatePasskey(ctx context.Context, p Passkey) error

	// PutCeremony keeps a WebAuthn ceremony's state until expires.
	PutCeremony(ctx context.Context, id string, data []byte, expires time.Time) error
	// TakeCeremony returns a ceremony's state and forgets it: a ceremony
	// is finished once. An expired one is ErrNotFound.
	TakeCeremony(ctx context.Context, id string, now time.Time) ([]byte, error)

	// CreateToken stores a new named API token.
	CreateToken(ctx context.Context, t Token) error
	// TokenByHash finds a named API token by its hash.
	TokenByHash(ctx context.Context, hash string) (Token, error)
	// ListTokens returns an organizer's named tokens, oldest first.
	ListTokens(ctx context.Context, organizer string) ([]Token, error)
	// DeleteToken revokes one of an organizer's tokens, or ErrNotFound.
	DeleteToken(ctx context.Context, organizer, id string) error
	// TokenUsed records when a token was last used.
	TokenUsed(ctx context.Context, hash string, at time.Time) error
}

// secret returns a fresh random secret with prefix (256 bits) and its hash.
func secret(prefix string) (token, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("access: no randomness: " + err.Error())
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// wellFormed reports whether token could be a secret with prefix.
func wellFormed(token, prefix string) bool {
	if len(token) != len(prefix)+43 || !strings.HasPrefix(token, prefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token[len(prefix):])
	return err == nil
}

// NewSession starts a session for organizer o: it returns the cookie's
// secret and the session to store.
func NewSession(o Organizer, userAgent string, now time.Time) (string, Session) {
	token, hash := secret(sessionPrefix)
	return token, Session{ID: NewID("ses_"), Organizer: o.ID, Created: now, LastSeen: now,
		Expires: now.Add(SessionMax), UserAgent: SummarizeUserAgent(userAgent), Hash: hash}
}

// signInReader is what signing in reads: organizers and sign-in state.
type signInReader interface {
	SignInStore
	GetOrganizer(ctx context.Context, id string) (Organizer, error)
}

// CheckSession resolves a session cookie to its session and organizer.
// The store is asked every time, so that ending a session or revoking an
// organizer works at once on every instance. A session idle for
// SessionIdle or older than SessionMax is ended. Any refusal is
// ErrUnauthorized; other errors are the store's.
func CheckSession(ctx context.Context, s signInReader, token string, now time.Time) (Session, Organizer, error) {
	if !wellFormed(token, sessionPrefix) {
		return Session{}, Organizer{}, ErrUnauthorized
	}
	hash := HashToken(token)
	se, err := s.SessionByHash(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return Session{}, Organizer{}, ErrUnauthorized
	}
	if err != nil {
		return Session{}, Organizer{}, fmt.Errorf("access: find session: %w", err)
	}
	if !now.Before(se.Created.Add(SessionMax)) || !now.Before(se.LastSeen.Add(SessionIdle)) {
		if err := s.DeleteSession(ctx, se.Organizer, se.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return Session{}, Organizer{}, fmt.Errorf("access: end an expired session: %w", err)
		}
		return Session{}, Organizer{}, ErrUnauthorized
	}
	o, err := s.GetOrganizer(ctx, se.Organizer)
	if errors.Is(err, ErrNotFound) || (err == nil && o.Revoked) {
		return Session{}, Organizer{}, ErrUnauthorized
	}
	if err != nil {
		return Session{}, Organizer{}, fmt.Errorf("access: find the organizer of a session: %w", err)
	}
	if now.Sub(se.LastSeen) >= touchEvery {
		if err := s.TouchSession(ctx, hash, now); errors.Is(err, ErrNotFound) {
			return Session{}, Organizer{}, ErrUnauthorized // ended meanwhile
		} else if err != nil {
			return Session{}, Organizer{}, fmt.Errorf("access: touch session: %w", err)
		}
		se.LastSeen = now
	}
	return se, o, nil
}

// CSRFToken is the synchronizer token of a session: an HMAC of its hash
// under the server's secret, so it is bound to the session, needs no
// storage, and cannot be computed without the cookie and the secret.
func CSRFToken(key []byte, se Session) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("majlis csrf\x00" + se.Hash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether got is the session's synchronizer token.
func CheckCSRF(key []byte, se Session, got string) bool {
	want := CSRFToken(key, se)
	return len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// NewLink makes a sign-in link for organizer o, made by by ("" for the
// command line): it returns the link's secret and the link to store.
func NewLink(o Organizer, by string, now time.Time) (string, Link) {
	token, hash := secret(linkPrefix)
	return token, Link{Hash: hash, Organizer: o.ID, By: by, Created: now, Expires: now.Add(LinkTTL)}
}

// MaxLinkToken bounds a sign-in link's secret read from a URL or a form.
const MaxLinkToken = 64

// CheckLink finds the link behind token without using it up:
// ErrLinkUnknown, ErrLinkExpired or ErrLinkUsed if it cannot be used,
// ErrUnauthorized if its organizer is revoked.
func CheckLink(ctx context.Context, s signInReader, token string, now time.Time) (Link, Organizer, error) {
	if !wellFormed(token, linkPrefix) {
		return Link{}, Organizer{}, ErrLinkUnknown
	}
	l, err := s.LinkByHash(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) {
		return Link{}, Organizer{}, ErrLinkUnknown
	}
	if err != nil {
		return Link{}, Organizer{}, fmt.Errorf("access: find sign-in link: %w", err)
	}
	return checkLink(ctx, s, l, now)
}

func checkLink(ctx context.Context, s signInReader, l Link, now time.Time) (Link, Organizer, error) {
	switch {
	case !l.Used.IsZero():
		return Link{}, Organizer{}, ErrLinkUsed
	case !now.Before(l.Expires):
		return Link{}, Organizer{}, ErrLinkExpired
	}
	o, err := s.GetOrganizer(ctx, l.Organizer)
	if errors.Is(err, ErrNotFound) || (err == nil && o.Revoked) {
		return Link{}, Organizer{}, ErrUnauthorized
	}
	if err != nil {
		return Link{}, Organizer{}, fmt.Errorf("access: find the organizer of a sign-in link: %w", err)
	}
	return l, o, nil
}

// UseLink uses the link behind token up, once: of two uses at the same
// moment, on any instances, exactly one succeeds. Errors as CheckLink.
func UseLink(ctx context.Context, s signInReader, token string, now time.Time) (Organizer, error) {
	if !wellFormed(token, linkPrefix) {
		return Organizer{}, ErrLinkUnknown
	}
	return UseLinkHash(ctx, s, HashToken(token), now)
}

// UseLinkHash is UseLink for a link known by its hash (a ceremony begun
// with a link keeps the hash, never the secret).
func UseLinkHash(ctx context.Context, s signInReader, hash string, now time.Time) (Organizer, error) {
	l, err := s.LinkByHash(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return Organizer{}, ErrLinkUnknown
	}
	if err != nil {
		return Organizer{}, fmt.Errorf("access: find sign-in link: %w", err)
	}
	if _, _, err := checkLink(ctx, s, l, now); err != nil {
		return Organizer{}, err
	}
	before, err := s.UseLink(ctx, hash, now)
	if err != nil {
		return Organizer{}, fmt.Errorf("access: use sign-in link: %w", err)
	}
	_, o, err := checkLink(ctx, s, before, now)
	return o, err
}

// NewNamedToken makes an API token named name for organizer o: it returns
// the token (shown once) and the record to store.
func NewNamedToken(o Organizer, name string, now time.Time) (string, Token) {
	token, hash := NewToken()
	return token, Token{ID: NewID("tok_"), Organizer: o.ID, Name: name, Created: now, Hash: hash}
}

// SummarizeUserAgent reduces a User-Agent header to a browser and a
// system ("Chrome on Linux"), which is all a list of sessions needs and
// less than the header tells.
func SummarizeUserAgent(ua string) string {
	browser := "browser"
	for _, b := range []struct{ key, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"},
		{"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.key) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ key, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.key) {
			system = o.name
			break
		}
	}
	if system == "" {
		return browser
	}
	s := browser + " on " + system
	if len(s) > MaxUserAgent {
		s = s[:MaxUserAgent]
	}
	return s
}
