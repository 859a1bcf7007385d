package access

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/randid"
)

// Sentinel errors.
var (
	// ErrNotFound: no such organizer.
	ErrNotFound = errors.New("access: not found")
	// ErrUnauthorized: missing, malformed, unknown or revoked token.
	ErrUnauthorized = errors.New("access: unauthorized")
	// ErrForbidden: authenticated but not allowed.
	ErrForbidden = errors.New("access: forbidden")
)

// Organizer is a head-office or regional secretariat staff account.
type Organizer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Region is the organizer's network; global for head office.
	Region agenda.Region `json:"region"`
	// TokenHash is the hex SHA-256 of the organizer's first API token
	// (organizers made before named tokens existed); the token itself is
	// never stored. Newer organizers get the hash of a discarded secret
	// here and their tokens as Token records (SignInStore).
	TokenHash string    `json:"-"`
	Created   time.Time `json:"created"`
	Revoked   bool      `json:"revoked"`
}

// Store is what access needs from storage.
type Store interface {
	// CreateOrganizer stores a new organizer; ErrConflict-like error if the ID exists.
	CreateOrganizer(ctx context.Context, o Organizer) error
	// OrganizerByTokenHash finds an organizer by the hash of its token, or ErrNotFound.
	OrganizerByTokenHash(ctx context.Context, hash string) (Organizer, error)
	// ListOrganizers returns every organizer ordered by creation time.
	ListOrganizers(ctx context.Context) ([]Organizer, error)
	// RevokeOrganizer marks an organizer revoked, or ErrNotFound.
	RevokeOrganizer(ctx context.Context, id string) error
	InviteStore
	SignInStore
}

// tokenPrefix marks majlis organizer tokens so leaked ones are easy to grep for.
const tokenPrefix = "mjo_"

// NewToken returns a fresh random organizer token (mjo_ and 52
// characters, 256 bits) and its hash.
func NewToken() (token, hash string) {
	token = randid.New(tokenPrefix, randid.TokenBytes)
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string { return randid.Hash(token) }

// NewID returns a random identifier with the given prefix: prefix and 16
// characters (randid.New with randid.IDBytes).
func NewID(prefix string) string { return randid.New(prefix, randid.IDBytes) }

// Authenticate resolves a bearer token to an active organizer: one of its
// named tokens (whose last use it records, at most once a minute), or the
// token of an organizer made before named tokens existed.
func Authenticate(ctx context.Context, s Store, token string) (Organizer, error) {
	if len(token) < len(tokenPrefix)+10 || len(token) > 200 {
		return Organizer{}, ErrUnauthorized
	}
	hash := HashToken(token)
	t, err := s.TokenByHash(ctx, hash)
	switch {
	case err == nil:
		o, err := s.GetOrganizer(ctx, t.Organizer)
		if errors.Is(err, ErrNotFound) || (err == nil && o.Revoked) {
			return Organizer{}, ErrUnauthorized
		}
		if err != nil {
			return Organizer{}, err
		}
		if now := time.Now().UTC(); now.Sub(t.LastUsed) >= touchEvery {
			if err := s.TokenUsed(ctx, hash, now); err != nil && !errors.Is(err, ErrNotFound) {
				return Organizer{}, err
			}
		}
		return o, nil
	case !errors.Is(err, ErrNotFound):
		return Organizer{}, err
	}
	o, err := s.OrganizerByTokenHash(ctx, hash)
	if errors.Is(err, ErrNotFound) || (err == nil && o.Revoked) {
		return Organizer{}, ErrUnauthorized
	}
	if err != nil {
		return Organizer{}, err
	}
	return o, nil
}

// Principal is whoever is asking; the zero value is an anonymous caller.
type Principal struct {
	// Organizer is set for an authenticated organizer.
	Organizer *Organizer
}

// A Principal is who agenda's rules about other events are applied for.
var _ agenda.Viewer = Principal{}

// Anonymous reports whether p carries no credentials.
func (p Principal) Anonymous() bool { return p.Organizer == nil }

// CanSee reports whether p may learn that e exists.
//
// Anonymous callers see published public events only. Organizers see every
// public and members-only event (drafts included) and the confidential events
// they own or are named invitees of: confidential means named invitees only,
// even inside the secretariat.
func (p Principal) CanSee(e agenda.Event) bool {
	if p.Organizer == nil {
		return e.Visibility == agenda.VisibilityPublic && e.Status != agenda.StatusDraft
	}
	if e.Visibility != agenda.VisibilityConfidential {
		return true
	}
	id := p.Organizer.ID
	return e.Owner == id || slices.Contains(e.Invitees, id)
}

// HeadOffice reports whether o is of head office (global, or without a
// region): it manages every region and may make sign-in links for others.
func (o Organizer) HeadOffice() bool {
	return o.Region == agenda.RegionGlobal || o.Region == ""
}

// Manages reports whether o may manage what belongs to region r (its
// sources and series): head office (global, or an organizer without a
// region) manages every region's, a regional secretariat its own.
func (o Organizer) Manages(r agenda.Region) bool {
	return o.Region == agenda.RegionGlobal || o.Region == "" || o.Region == r
}

// CanEditSeries reports whether p may change s: an organizer of the
// secretariat s belongs to, or of head office.
func (p Principal) CanEditSeries(s agenda.Series) bool {
	return p.Organizer != nil && p.Organizer.Manages(s.OwnerRegion())
}

// CanEdit reports whether p may change e: an organizer who can see it
// and manages its region (head office every region's, a regional
// secretariat its own), or who created it.
func (p Principal) CanEdit(e agenda.Event) bool {
	return p.Organizer != nil && p.CanSee(e) && (p.Organizer.Manages(e.Region) || e.Owner == p.Organizer.ID)
}
