package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// Sign-in state (access.SignInStore) is kept, under the prefix P:
//
//	P session:{hash}        string: session JSON, expiring with the session
//	P sessions:{organizer}  set: the hashes of an organizer's sessions
//	P link:{hash}           string: sign-in link JSON, kept a day past its expiry
//	P link:used:{hash}      string: when the link was used (SET NX: one use wins)
//	P passkeys              hash: credential ID → passkey JSON
//	P ceremony:{id}         string: a WebAuthn ceremony's state, expiring (GETDEL takes it once)
//	P apitokens             hash: token hash → token JSON
//	P apitokens:used        hash: token hash → last use (RFC 3339)
//
// None needs a script: single-use steps are single commands (SET NX,
// GETDEL), and an organizer's sessions are read through their set, whose
// stale members (expired sessions) are dropped when listed.

func (r *Redis) signInKey(name string) string { return r.prefix() + name }

// redisGet reads and decodes one string or hash field, or ErrNotFound.
func redisGet[T any](ctx context.Context, r *Redis, kind string, get func() *redis.StringCmd, decode func([]byte) (T, error)) (T, error) {
	var zero T
	end, err := r.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer end()
	raw, err := get().Bytes()
	if errors.Is(err, redis.Nil) {
		return zero, signInMissing(kind)
	}
	if err != nil {
		return zero, r.fail("read "+kind, err)
	}
	v, err := decode(raw)
	if err != nil {
		return zero, fmt.Errorf("store: decode %s: %w", kind, err)
	}
	return v, nil
}

// CreateSession implements access.SignInStore.
func (r *Redis) CreateSession(ctx context.Context, s access.Session) error {
	if s.Hash == "" || s.ID == "" {
		return fmt.Errorf("store: session without an ID or hash: %w", agenda.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(storedSession{Session: s, Hash: s.Hash})
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, r.signInKey("session:"+s.Hash), body, 0)
		p.PExpireAt(ctx, r.signInKey("session:"+s.Hash), s.Expires)
		p.SAdd(ctx, r.signInKey("sessions:"+s.Organizer), s.Hash)
		return nil
	})
	if err != nil {
		return r.fail("create session", err)
	}
	return nil
}

// SessionByHash implements access.SignInStore.
func (r *Redis) SessionByHash(ctx context.Context, hash string) (access.Session, error) {
	return redisGet(ctx, r, "session", func() *redis.StringCmd { return r.client.Get(ctx, r.signInKey("session:"+hash)) }, decodeSession)
}

// TouchSession implements access.SignInStore: SET XX never makes an ended
// session again.
func (r *Redis) TouchSession(ctx context.Context, hash string, at time.Time) error {
	s, err := r.SessionByHash(ctx, hash)
	if err != nil {
		return err
	}
	s.LastSeen = at
	body, err := json.Marshal(storedSession{Session: s, Hash: s.Hash})
	if err != nil {
		return fmt.Errorf("store: encode session: %w", err)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	err = r.client.SetArgs(ctx, r.signInKey("session:"+hash), body, redis.SetArgs{Mode: "XX", KeepTTL: true}).Err()
	if errors.Is(err, redis.Nil) {
		return signInMissing("session")
	}
	if err != nil {
		return r.fail("touch session", err)
	}
	return nil
}

// ListSessions implements access.SignInStore.
func (r *Redis) ListSessions(ctx context.Context, organizer string) ([]access.Session, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	set := r.signInKey("sessions:" + organizer)
	hashes, err := r.client.SMembers(ctx, set).Result()
	if err != nil {
		return nil, r.fail("list sessions", err)
	}
	if len(hashes) == 0 {
		return nil, nil
	}
	keys := make([]string, len(hashes))
	for i, h := range hashes {
		keys[i] = r.signInKey("session:" + h)
	}
	vals, err := r.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, r.fail("list sessions", err)
	}
	var out []access.Session
	var gone []any
	for i, v := range vals {
		raw, ok := v.(string)
		if !ok {
			gone = append(gone, hashes[i])
			continue
		}
		s, err := decodeSession([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("store: decode session: %w", err)
		}
		out = append(out, s)
	}
	if len(gone) > 0 {
		if err := r.client.SRem(ctx, set, gone...).Err(); err != nil {
			return nil, r.fail("list sessions", err)
		}
	}
	byCreation(out, func(s access.Session) time.Time { return s.Created }, func(s access.Session) string { return s.ID })
	return out, nil
}

// DeleteSession implements access.SignInStore.
func (r *Redis) DeleteSession(ctx context.Context, organizer, id string) error {
	all, err := r.ListSessions(ctx, organizer)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.ID == id {
			return r.dropSessions(ctx, organizer, s.Hash)
		}
	}
	return signInMissing("session")
}

// DeleteSessions implements access.SignInStore.
func (r *Redis) DeleteSessions(ctx context.Context, organizer string) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	hashes, err := r.client.SMembers(ctx, r.signInKey("sessions:"+organizer)).Result()
	end()
	if err != nil {
		return r.fail("end sessions", err)
	}
	return r.dropSessions(ctx, organizer, hashes...)
}

func (r *Redis) dropSessions(ctx context.Context, organizer string, hashes ...string) error {
	if len(hashes) == 0 {
		return nil
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	keys := make([]string, len(hashes))
	members := make([]any, len(hashes))
	for i, h := range hashes {
		keys[i], members[i] = r.signInKey("session:"+h), h
	}
	_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, keys...)
		p.SRem(ctx, r.signInKey("sessions:"+organizer), members...)
		return nil
	})
	if err != nil {
		return r.fail("end sessions", err)
	}
	return nil
}

// CreateLink implements access.SignInStore.
func (r *Redis) CreateLink(ctx context.Context, l access.Link) error {
	if l.Hash == "" {
		return fmt.Errorf("store: sign-in link without a hash: %w", agenda.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(storedLink{Link: l, Hash: l.Hash})
	if err != nil {
		return fmt.Errorf("store: encode sign-in link: %w", err)
	}
	ok, err := r.client.SetArgs(ctx, r.signInKey("link:"+l.Hash), body, redis.SetArgs{Mode: "NX", ExpireAt: l.Expires.Add(linkKeep)}).Result()
	if errors.Is(err, redis.Nil) || (err == nil && ok != "OK") {
		return fmt.Errorf("store: sign-in link exists: %w", agenda.ErrConflict)
	}
	if err != nil {
		return r.fail("create sign-in link", err)
	}
	return nil
}

// LinkByHash implements access.SignInStore.
func (r *Redis) LinkByHash(ctx context.Context, hash string) (access.Link, error) {
	l, err := redisGet(ctx, r, "sign-in link", func() *redis.StringCmd { return r.client.Get(ctx, r.signInKey("link:"+hash)) }, decodeLink)
	if err != nil {
		return l, err
	}
	used, err := r.linkUsed(ctx, hash)
	l.Used = used
	return l, err
}

func (r *Redis) linkUsed(ctx context.Context, hash string) (time.Time, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return time.Time{}, err
	}
	defer end()
	raw, err := r.client.Get(ctx, r.signInKey("link:used:"+hash)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, r.fail("read sign-in link", err)
	}
	return time.Parse(time.RFC3339Nano, raw)
}

// UseLink implements access.SignInStore: SET NX lets one use win.
func (r *Redis) UseLink(ctx context.Context, hash string, at time.Time) (access.Link, error) {
	l, err := r.LinkByHash(ctx, hash)
	if err != nil || !l.Used.IsZero() {
		return l, err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return l, err
	}
	res, err := r.client.SetArgs(ctx, r.signInKey("link:used:"+hash), at.UTC().Format(time.RFC3339Nano),
		redis.SetArgs{Mode: "NX", ExpireAt: l.Expires.Add(linkKeep)}).Result()
	end()
	if errors.Is(err, redis.Nil) || (err == nil && res != "OK") {
		l.Used, err = r.linkUsed(ctx, hash) // somebody else was first
		return l, err
	}
	if err != nil {
		return l, r.fail("use sign-in link", err)
	}
	return l, nil
}

// AddPasskey implements access.SignInStore.
func (r *Redis) AddPasskey(ctx context.Context, p access.Passkey) error {
	return r.hashCreate(ctx, "passkeys", "passkey", p.ID, p)
}

// hashCreate stores v under field of the hash P name, unless it exists.
func (r *Redis) hashCreate(ctx context.Context, name, kind, field string, v any) error {
	if field == "" {
		return fmt.Errorf("store: %s without an ID: %w", kind, agenda.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %s: %w", kind, err)
	}
	ok, err := r.client.HSetNX(ctx, r.signInKey(name), field, body).Result()
	if err != nil {
		return r.fail("create "+kind, err)
	}
	if !ok {
		return fmt.Errorf("store: %s exists: %w", kind, agenda.ErrConflict)
	}
	return nil
}

// hashList decodes the values of the hash P name that keep.
func hashList[T any](ctx context.Context, r *Redis, name, kind string, decode func([]byte) (T, error), keep func(T) bool) ([]T, error) {
	all, err := all(ctx, r, r.signInKey(name), kind, decode)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, v := range all {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// PasskeyByID implements access.SignInStore.
func (r *Redis) PasskeyByID(ctx context.Context, id string) (access.Passkey, error) {
	return redisGet(ctx, r, "passkey", func() *redis.StringCmd { return r.client.HGet(ctx, r.signInKey("passkeys"), id) }, decodePasskey)
}

// ListPasskeys implements access.SignInStore.
func (r *Redis) ListPasskeys(ctx context.Context, organizer string) ([]access.Passkey, error) {
	out, err := hashList(ctx, r, "passkeys", "passkey", decodePasskey, func(p access.Passkey) bool { return p.Organizer == organizer })
	byCreation(out, func(p access.Passkey) time.Time { return p.Created }, func(p access.Passkey) string { return p.ID })
	return out, err
}

// UpdatePasskey implements access.SignInStore.
func (r *Redis) UpdatePasskey(ctx context.Context, p access.Passkey) error {
	if _, err := r.PasskeyByID(ctx, p.ID); err != nil {
		return err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store: encode passkey: %w", err)
	}
	if err := r.client.HSet(ctx, r.signInKey("passkeys"), p.ID, body).Err(); err != nil {
		return r.fail("update passkey", err)
	}
	return nil
}

// PutCeremony implements access.SignInStore.
func (r *Redis) PutCeremony(ctx context.Context, id string, data []byte, expires time.Time) error {
	if id == "" {
		return fmt.Errorf("store: ceremony without an ID: %w", agenda.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := json.Marshal(storedCeremony{Data: data, Expires: expires})
	if err != nil {
		return fmt.Errorf("store: encode ceremony: %w", err)
	}
	if err := r.client.Set(ctx, r.signInKey("ceremony:"+id), body, 0).Err(); err != nil {
		return r.fail("keep ceremony", err)
	}
	if err := r.client.PExpireAt(ctx, r.signInKey("ceremony:"+id), expires).Err(); err != nil {
		return r.fail("keep ceremony", err)
	}
	return nil
}

// TakeCeremony implements access.SignInStore.
func (r *Redis) TakeCeremony(ctx context.Context, id string, now time.Time) ([]byte, error) {
	c, err := redisGet(ctx, r, "ceremony", func() *redis.StringCmd { return r.client.GetDel(ctx, r.signInKey("ceremony:"+id)) },
		func(raw []byte) (storedCeremony, error) {
			var c storedCeremony
			return c, json.Unmarshal(raw, &c)
		})
	if err != nil {
		return nil, err
	}
	if !now.Before(c.Expires) {
		return nil, signInMissing("ceremony")
	}
	return c.Data, nil
}

// CreateToken implements access.SignInStore.
func (r *Redis) CreateToken(ctx context.Context, t access.Token) error {
	return r.hashCreate(ctx, "apitokens", "token", t.Hash, storedToken{Token: t, Hash: t.Hash})
}

// withLastUse fills in a token's last use.
func (r *Redis) withLastUse(ctx context.Context, ts []access.Token) ([]access.Token, error) {
	if len(ts) == 0 {
		return ts, nil
	}
	fields := make([]string, len(ts))
	for i, t := range ts {
		fields[i] = t.Hash
	}
	vals, err := r.client.HMGet(ctx, r.signInKey("apitokens:used"), fields...).Result()
	if err != nil {
		return nil, r.fail("read token use", err)
	}
	for i, v := range vals {
		if s, ok := v.(string); ok {
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
				ts[i].LastUsed = at
			}
		}
	}
	return ts, nil
}

// TokenByHash implements access.SignInStore.
func (r *Redis) TokenByHash(ctx context.Context, hash string) (access.Token, error) {
	t, err := redisGet(ctx, r, "token", func() *redis.StringCmd { return r.client.HGet(ctx, r.signInKey("apitokens"), hash) }, decodeToken)
	if err != nil {
		return t, err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return t, err
	}
	defer end()
	ts, err := r.withLastUse(ctx, []access.Token{t})
	if err != nil {
		return t, err
	}
	return ts[0], nil
}

// ListTokens implements access.SignInStore.
func (r *Redis) ListTokens(ctx context.Context, organizer string) ([]access.Token, error) {
	out, err := hashList(ctx, r, "apitokens", "token", decodeToken, func(t access.Token) bool { return t.Organizer == organizer })
	if err != nil {
		return nil, err
	}
	byCreation(out, func(t access.Token) time.Time { return t.Created }, func(t access.Token) string { return t.ID })
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	return r.withLastUse(ctx, out)
}

// DeleteToken implements access.SignInStore.
func (r *Redis) DeleteToken(ctx context.Context, organizer, id string) error {
	ts, err := r.ListTokens(ctx, organizer)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID != id {
			continue
		}
		end, err := r.begin(ctx)
		if err != nil {
			return err
		}
		defer end()
		_, err = r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, r.signInKey("apitokens"), t.Hash)
			p.HDel(ctx, r.signInKey("apitokens:used"), t.Hash)
			return nil
		})
		if err != nil {
			return r.fail("revoke token", err)
		}
		return nil
	}
	return signInMissing("token")
}

// TokenUsed implements access.SignInStore.
func (r *Redis) TokenUsed(ctx context.Context, hash string, at time.Time) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	if err := r.client.HSet(ctx, r.signInKey("apitokens:used"), hash, at.UTC().Format(time.RFC3339Nano)).Err(); err != nil {
		return r.fail("record token use", err)
	}
	return nil
}
