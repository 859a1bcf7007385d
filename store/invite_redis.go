package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// Invitations (access.InviteStore) are kept, under the prefix P:
//
//	P invites:{event}         hash: invitation ID → invitation JSON (with its token hash)
//	P invites:joined:{event}  hash: invitation ID → when it last joined (RFC 3339)
//	P invites:first:{event}   hash: invitation ID → when it first joined (RFC 3339, set once)
//	P invites:by-token        hash: token hash → event ID, NUL, invitation ID
//
// Invitations are never deleted, only revoked, so a lookup by token reads
// the index and then the invitation without a script.

func (r *Redis) inviteKeys(event string) (invites, joined string) {
	p := r.prefix()
	return p + "invites:" + event, p + "invites:joined:" + event
}

// inviteFirstJoins is the key of when an event's invitations first joined.
func (r *Redis) inviteFirstJoins(event string) string { return r.prefix() + "invites:first:" + event }

// setJoins reads an invitation's join times, as stored (a bad record
// reads as never).
func setJoins(inv *access.Invite, last, first string) {
	if last != "" {
		_ = inv.LastJoined.UnmarshalText([]byte(last))
	}
	if first != "" {
		_ = inv.FirstJoined.UnmarshalText([]byte(first))
	}
}

func (r *Redis) inviteTokens() string { return r.prefix() + "invites:by-token" }

// CreateInvite implements access.InviteStore. A duplicate ID (for the
// event) or token hash fails with agenda.ErrConflict.
func (r *Redis) CreateInvite(ctx context.Context, inv access.Invite) error {
	if err := checkInvite(inv); err != nil {
		return err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(storedInvite{Invite: inv, Hash: inv.TokenHash})
	if err != nil {
		return fmt.Errorf("store: encode invitation %q: %w", inv.ID, err)
	}
	invites, _ := r.inviteKeys(inv.Event)
	res, err := r.run(ctx, scriptIndexedCreate, []string{invites, r.inviteTokens()},
		inv.ID,
		inv.TokenHash,
		inviteKey(inv.Event, inv.ID),
		body,
	)
	if err != nil {
		return r.fail(fmt.Sprintf("create invitation %q", inv.ID), err)
	}
	switch {
	case res.status == "exists" && res.what == "token":
		return fmt.Errorf("store: invitation %q: token hash already in use: %w", inv.ID, agenda.ErrConflict)
	case res.status == "exists":
		return fmt.Errorf("store: invitation %q exists: %w", inv.ID, agenda.ErrConflict)
	}
	return nil
}

// getInvite reads one invitation and when it last joined.
func (r *Redis) getInvite(ctx context.Context, event, id string) (access.Invite, []byte, error) {
	invites, joined := r.inviteKeys(event)
	var raw, at, first *redis.StringCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		raw, at, first = p.HGet(ctx, invites, id), p.HGet(ctx, joined, id), p.HGet(ctx, r.inviteFirstJoins(event), id)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return access.Invite{}, nil, r.fail(fmt.Sprintf("read invitation %q", id), err)
	}
	body, err := raw.Bytes()
	if errors.Is(err, redis.Nil) {
		return access.Invite{}, nil, fmt.Errorf("store: invitation %q: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return access.Invite{}, nil, r.fail(fmt.Sprintf("read invitation %q", id), err)
	}
	inv, err := decodeInvite(body)
	if err != nil {
		return access.Invite{}, nil, fmt.Errorf("store: decode invitation %q: %w", id, err)
	}
	setJoins(&inv, at.Val(), first.Val())
	return inv, body, nil
}

// InviteByTokenHash implements access.InviteStore.
func (r *Redis) InviteByTokenHash(ctx context.Context, hash string) (access.Invite, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return access.Invite{}, err
	}
	defer end()
	key, err := r.client.HGet(ctx, r.inviteTokens(), hash).Result()
	if errors.Is(err, redis.Nil) {
		return access.Invite{}, fmt.Errorf("store: no invitation with that token: %w", access.ErrNotFound)
	}
	if err != nil {
		return access.Invite{}, r.fail("invitation by token", err)
	}
	event, id, ok := strings.Cut(key, "\x00")
	if !ok {
		return access.Invite{}, fmt.Errorf("store: invitation index entry %q is malformed", key)
	}
	inv, _, err := r.getInvite(ctx, event, id)
	return inv, err
}

// ListInvites implements access.InviteStore.
func (r *Redis) ListInvites(ctx context.Context, event string) ([]access.Invite, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	invites, joined := r.inviteKeys(event)
	var raws, ats, firsts *redis.MapStringStringCmd
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		raws, ats, firsts = p.HGetAll(ctx, invites), p.HGetAll(ctx, joined), p.HGetAll(ctx, r.inviteFirstJoins(event))
		return nil
	}); err != nil {
		return nil, r.fail("list invitations", err)
	}
	out := []access.Invite{}
	for id, raw := range raws.Val() {
		inv, err := decodeInvite([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("store: decode invitation %q: %w", id, err)
		}
		setJoins(&inv, ats.Val()[id], firsts.Val()[id])
		out = append(out, inv)
	}
	sortInvites(out)
	return out, nil
}

// RevokeInvite implements access.InviteStore. It reads the invitation,
// sets Revoked, and writes it back only if nobody changed it in between
// (compare-and-swap), retrying otherwise.
func (r *Redis) RevokeInvite(ctx context.Context, event, id string) (access.Invite, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return access.Invite{}, err
	}
	defer end()
	invites, _ := r.inviteKeys(event)
	for range revokeAttempts {
		inv, raw, err := r.getInvite(ctx, event, id)
		if err != nil {
			return access.Invite{}, err
		}
		if inv.Revoked {
			return inv, nil
		}
		inv.Revoked = true
		body, err := json.Marshal(storedInvite{Invite: inv, Hash: inv.TokenHash})
		if err != nil {
			return access.Invite{}, fmt.Errorf("store: encode invitation %q: %w", id, err)
		}
		swapped, err := scriptSwap.Run(ctx, r.client, []string{invites},
			id,
			raw,
			body,
		).Int()
		if err != nil {
			return access.Invite{}, r.fail(fmt.Sprintf("revoke invitation %q", id), err)
		}
		if swapped == 1 {
			return inv, nil
		}
	}
	return access.Invite{}, fmt.Errorf("store: invitation %q kept changing during revoke: %w", id, agenda.ErrConflict)
}

// InviteJoined implements access.InviteStore.
func (r *Redis) InviteJoined(ctx context.Context, event, id string, at time.Time) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	_, joined := r.inviteKeys(event)
	when := at.UTC().Format(time.RFC3339Nano)
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, joined, id, when)
		p.HSetNX(ctx, r.inviteFirstJoins(event), id, when)
		return nil
	}); err != nil {
		return r.fail(fmt.Sprintf("record join of invitation %q", id), err)
	}
	return nil
}

// GetOrganizer implements access.InviteStore.
func (r *Redis) GetOrganizer(ctx context.Context, id string) (access.Organizer, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return access.Organizer{}, err
	}
	defer end()
	raw, err := r.client.HGet(ctx, r.k.organizers, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return access.Organizer{}, fmt.Errorf("store: organizer %q: %w", id, access.ErrNotFound)
	}
	if err != nil {
		return access.Organizer{}, r.fail(fmt.Sprintf("organizer %q", id), err)
	}
	o, err := decodeOrganizer(raw)
	if err != nil {
		return access.Organizer{}, fmt.Errorf("store: decode organizer %q: %w", id, err)
	}
	return o, nil
}
