package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// Buckets of invitations (access.InviteStore), made on first write:
// invitations keyed by inviteKey (event, then ID, so that one event's are
// one key range), the key of each by token hash, when each was last used
// to join, and when first.
var (
	bucketInvites      = []byte("invites")
	bucketInviteTokens = []byte("invite_tokens")
	bucketInviteJoins  = []byte("invite_joins")
	bucketInviteFirsts = []byte("invite_first_joins")
)

// storedInvite is an invitation as both stores keep it: the token hash,
// which the API never shows, is kept too.
type storedInvite struct {
	access.Invite
	Hash string `json:"token_hash"`
}

func decodeInvite(raw []byte) (access.Invite, error) {
	var s storedInvite
	err := json.Unmarshal(raw, &s)
	s.Invite.TokenHash = s.Hash
	return s.Invite, err
}

// inviteKey is the key of an event's invitation: event IDs hold no NUL.
func inviteKey(event, id string) string { return event + "\x00" + id }

// sortInvites orders invitations by creation, then ID.
func sortInvites(out []access.Invite) {
	slices.SortStableFunc(out, func(x, y access.Invite) int {
		if c := x.Created.Compare(y.Created); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
}

// checkInvite refuses an invitation a store cannot key.
func checkInvite(inv access.Invite) error {
	switch {
	case inv.ID == "" || inv.Event == "":
		return fmt.Errorf("store: invitation without an ID or event: %w", agenda.ErrInvalid)
	case inv.TokenHash == "":
		return fmt.Errorf("store: invitation %q has no token hash: %w", inv.ID, agenda.ErrInvalid)
	case strings.ContainsRune(inv.Event, 0) || strings.ContainsRune(inv.ID, 0):
		return fmt.Errorf("store: invitation %q: NUL in an ID: %w", inv.ID, agenda.ErrInvalid)
	}
	return nil
}

// CreateInvite implements access.InviteStore. A duplicate ID (for the
// event) or token hash fails with agenda.ErrConflict.
func (b *Bolt) CreateInvite(ctx context.Context, inv access.Invite) error {
	if err := checkInvite(inv); err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		invs, err := tx.CreateBucketIfNotExists(bucketInvites)
		if err != nil {
			return fmt.Errorf("store: invites bucket: %w", err)
		}
		toks, err := tx.CreateBucketIfNotExists(bucketInviteTokens)
		if err != nil {
			return fmt.Errorf("store: invite tokens bucket: %w", err)
		}
		key := inviteKey(inv.Event, inv.ID)
		if invs.Get([]byte(key)) != nil {
			return fmt.Errorf("store: invitation %q exists: %w", inv.ID, agenda.ErrConflict)
		}
		if toks.Get([]byte(inv.TokenHash)) != nil {
			return fmt.Errorf("store: invitation %q: token hash already in use: %w", inv.ID, agenda.ErrConflict)
		}
		if _, err := write(invs, "invitation", key, storedInvite{Invite: inv, Hash: inv.TokenHash}); err != nil {
			return err
		}
		if err := toks.Put([]byte(inv.TokenHash), []byte(key)); err != nil {
			return fmt.Errorf("store: write token of invitation %q: %w", inv.ID, err)
		}
		return nil
	})
}

// joinedAt reads when the invitation under key joined, from bucket.
func joinedAt(tx *bolt.Tx, bucket []byte, key string) time.Time {
	var t time.Time
	if bk := tx.Bucket(bucket); bk != nil {
		if raw := bk.Get([]byte(key)); raw != nil {
			_ = t.UnmarshalText(raw) // a bad record reads as never
		}
	}
	return t
}

// withJoins sets inv's LastJoined and FirstJoined from their buckets.
func withJoins(tx *bolt.Tx, key string, inv *access.Invite) {
	inv.LastJoined = joinedAt(tx, bucketInviteJoins, key)
	inv.FirstJoined = joinedAt(tx, bucketInviteFirsts, key)
}

// InviteByTokenHash implements access.InviteStore.
func (b *Bolt) InviteByTokenHash(ctx context.Context, hash string) (access.Invite, error) {
	var inv access.Invite
	err := b.view(ctx, func(tx *bolt.Tx) error {
		toks, invs := tx.Bucket(bucketInviteTokens), tx.Bucket(bucketInvites)
		var key []byte
		if toks != nil {
			key = toks.Get([]byte(hash))
		}
		if key == nil || invs == nil {
			return fmt.Errorf("store: no invitation with that token: %w", access.ErrNotFound)
		}
		var ok bool
		var err error
		inv, ok, err = read(invs, "invitation", string(key), decodeInvite)
		if err == nil && !ok {
			err = fmt.Errorf("store: no invitation with that token: %w", access.ErrNotFound)
		}
		withJoins(tx, string(key), &inv)
		return err
	})
	if err != nil {
		return access.Invite{}, err
	}
	return inv, nil
}

// ListInvites implements access.InviteStore.
func (b *Bolt) ListInvites(ctx context.Context, event string) ([]access.Invite, error) {
	out := []access.Invite{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		invs := tx.Bucket(bucketInvites)
		if invs == nil {
			return nil
		}
		prefix := []byte(inviteKey(event, ""))
		c := invs.Cursor()
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			inv, err := decodeInvite(v)
			if err != nil {
				return fmt.Errorf("store: decode invitation %q: %w", k, err)
			}
			withJoins(tx, string(k), &inv)
			out = append(out, inv)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortInvites(out)
	return out, nil
}

// RevokeInvite implements access.InviteStore.
func (b *Bolt) RevokeInvite(ctx context.Context, event, id string) (access.Invite, error) {
	var inv access.Invite
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		invs := tx.Bucket(bucketInvites)
		key := inviteKey(event, id)
		var ok bool
		var err error
		if invs != nil {
			inv, ok, err = read(invs, "invitation", key, decodeInvite)
		}
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("store: invitation %q: %w", id, access.ErrNotFound)
		}
		withJoins(tx, key, &inv)
		if inv.Revoked {
			return nil
		}
		inv.Revoked = true
		_, err = write(invs, "invitation", key, storedInvite{Invite: inv, Hash: inv.TokenHash})
		return err
	})
	if err != nil {
		return access.Invite{}, err
	}
	return inv, nil
}

// InviteJoined implements access.InviteStore.
func (b *Bolt) InviteJoined(ctx context.Context, event, id string, at time.Time) error {
	raw, err := at.UTC().MarshalText()
	if err != nil {
		return fmt.Errorf("store: invitation %q: join time: %w", id, err)
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		bk, err := tx.CreateBucketIfNotExists(bucketInviteJoins)
		if err != nil {
			return fmt.Errorf("store: invite joins bucket: %w", err)
		}
		key := []byte(inviteKey(event, id))
		if err := bk.Put(key, raw); err != nil {
			return fmt.Errorf("store: write join of invitation %q: %w", id, err)
		}
		first, err := tx.CreateBucketIfNotExists(bucketInviteFirsts)
		if err != nil {
			return fmt.Errorf("store: invite first joins bucket: %w", err)
		}
		if first.Get(key) != nil {
			return nil
		}
		if err := first.Put(key, raw); err != nil {
			return fmt.Errorf("store: write first join of invitation %q: %w", id, err)
		}
		return nil
	})
}

// GetOrganizer implements access.InviteStore.
func (b *Bolt) GetOrganizer(ctx context.Context, id string) (access.Organizer, error) {
	return readOne(ctx, b, bucketOrganizers, "organizer", id, decodeOrganizer, access.ErrNotFound)
}
