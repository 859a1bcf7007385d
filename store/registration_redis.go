package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// Webinar registrations (registration.Store) are kept, under the prefix P:
//
//	P reg:forms           hash: event ID → form JSON
//	P reg:docs:{event}    hash: registration ID → registration JSON
//	P reg:order:{event}   sorted set: registration ID scored by its Seq
//	P reg:status:{event}  hash: registration ID → status
//	P reg:emails:{event}  hash: email key → registration ID (not cancelled)
//	P reg:seq:{event}     string: the event's last Seq
//	P reg:by-token        hash: token hash → event ID, NUL, registration ID
//	P reg:marks           hash: event ID, NUL, mark → "1" (see MarkOnce)
//
// Every write is one Lua script (lua/registration_*.lua; their shared
// functions are in lua/lib.lua), so that the duplicate check, the
// capacity check, the arrival number and the waitlist's promotions are one
// atomic step on every instance.
var _ registration.Store = (*Redis)(nil)

// regKeys are an event's registration keys, in the scripts' KEYS order:
// docs, order, status, emails, seq, by-token.
func (r *Redis) regKeys(event string) []string {
	p := r.prefix() + "reg:"
	return []string{p + "docs:" + event, p + "order:" + event, p + "status:" + event, p + "emails:" + event,
		p + "seq:" + event, p + "by-token"}
}

// regCall runs a registration script and returns its reply.
func (r *Redis) regCall(ctx context.Context, what string, s *redis.Script, keys []string, args ...any) ([]any, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	reply, err := s.Run(ctx, r.client, keys, args...).Slice()
	if err != nil {
		return nil, r.fail(what, err)
	}
	if len(reply) == 0 {
		return nil, fmt.Errorf("store: redis: %s: empty script reply", what)
	}
	return reply, nil
}

// regDocs decodes the registration documents of a reply.
func regDocs(reply []any) ([]registration.Registration, error) {
	var out []registration.Registration
	for _, v := range reply {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("store: redis: unexpected registration reply %v", v)
		}
		x, err := decodeRegistration([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("store: decode registration: %w", err)
		}
		out = append(out, x)
	}
	return out, nil
}

func fillArgs(f registration.Fill) ([]any, error) {
	at, err := f.At.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("store: fill time: %w", err)
	}
	return []any{f.Capacity, string(f.Placed), string(at)}, nil
}

// GetForm implements registration.Store.
func (r *Redis) GetForm(ctx context.Context, event string) (registration.Form, error) {
	return regGet(ctx, r, r.prefix()+"reg:forms", "registration form", event, decodeForm)
}

// regGet is get with registration.ErrNotFound for a missing document.
func regGet[T any](ctx context.Context, r *Redis, key, what, id string, decode func([]byte) (T, error)) (T, error) {
	v, err := get(ctx, r, key, what, id, decode)
	if errors.Is(err, agenda.ErrNotFound) {
		return v, fmt.Errorf("store: %s %q: %w", what, id, registration.ErrNotFound)
	}
	return v, err
}

// PutForm implements registration.Store.
func (r *Redis) PutForm(ctx context.Context, f registration.Form, ifVersion int64) (registration.Form, error) {
	f.Version = ifVersion + 1
	body, err := json.Marshal(f)
	if err != nil {
		return registration.Form{}, fmt.Errorf("store: encode registration form %q: %w", f.Event, err)
	}
	reply, err := r.regCall(ctx, "put registration form", scriptRegFormPut, []string{r.prefix() + "reg:forms"},
		f.Event,
		ifVersion,
		body,
	)
	if err != nil {
		return registration.Form{}, err
	}
	if reply[0] != "ok" {
		return registration.Form{}, fmt.Errorf("store: registration form %q is not at version %d: %w", f.Event, ifVersion, registration.ErrConflict)
	}
	return decodeForm(body)
}

// ListForms implements registration.Store.
func (r *Redis) ListForms(ctx context.Context) ([]registration.Form, error) {
	out, err := all(ctx, r, r.prefix()+"reg:forms", "registration form", decodeForm)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y registration.Form) int { return strings.Compare(x.Event, y.Event) })
	return out, nil
}

// Register implements registration.Store.
func (r *Redis) Register(ctx context.Context, reg registration.Registration, fill registration.Fill) (registration.Registration, int, error) {
	if reg.ID == "" || reg.Event == "" || strings.ContainsRune(reg.Event, 0) || strings.ContainsRune(reg.ID, 0) {
		return registration.Registration{}, 0, fmt.Errorf("store: registration without an ID or event: %w", registration.ErrInvalid)
	}
	body, err := json.Marshal(reg)
	if err != nil {
		return registration.Registration{}, 0, fmt.Errorf("store: encode registration %q: %w", reg.ID, err)
	}
	at, err := fill.At.MarshalText()
	if err != nil {
		return registration.Registration{}, 0, fmt.Errorf("store: fill time: %w", err)
	}
	reply, err := r.regCall(ctx, "register", scriptRegRegister, r.regKeys(reg.Event),
		body,
		fill.Capacity,
		string(fill.Placed),
		string(at),
		string(regKey(reg.Event, reg.ID)),
	)
	if err != nil {
		return registration.Registration{}, 0, err
	}
	switch reply[0] {
	case "exists":
		return registration.Registration{}, 0, fmt.Errorf("store: registration %q exists: %w", reg.ID, registration.ErrConflict)
	case "duplicate":
		return registration.Registration{}, 0, registration.ErrDuplicate
	}
	if len(reply) != 3 {
		return registration.Registration{}, 0, fmt.Errorf("store: redis: unexpected register reply %v", reply)
	}
	docs, err := regDocs(reply[1:2])
	if err != nil {
		return registration.Registration{}, 0, err
	}
	pos, _ := reply[2].(int64)
	return docs[0], int(pos), nil
}

// GetRegistration implements registration.Store.
func (r *Redis) GetRegistration(ctx context.Context, event, id string) (registration.Registration, error) {
	return regGet(ctx, r, r.regKeys(event)[0], "registration", id, decodeRegistration)
}

// RegistrationByToken implements registration.Store.
func (r *Redis) RegistrationByToken(ctx context.Context, hash string) (registration.Registration, error) {
	ref, err := func() (string, error) {
		end, err := r.begin(ctx)
		if err != nil {
			return "", err
		}
		defer end()
		return r.client.HGet(ctx, r.prefix()+"reg:by-token", hash).Result()
	}()
	if errors.Is(err, redis.Nil) {
		return registration.Registration{}, fmt.Errorf("store: no registration with that link: %w", registration.ErrNotFound)
	}
	if err != nil {
		return registration.Registration{}, r.fail("registration by token", err)
	}
	event, id, ok := strings.Cut(ref, "\x00")
	if !ok {
		return registration.Registration{}, fmt.Errorf("store: registration index entry is malformed")
	}
	return r.GetRegistration(ctx, event, id)
}

// ListRegistrations implements registration.Store: one HGETALL (one
// consistent read), ordered by Seq.
func (r *Redis) ListRegistrations(ctx context.Context, event string) ([]registration.Registration, error) {
	out, err := all(ctx, r, r.regKeys(event)[0], "registration", decodeRegistration)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(x, y registration.Registration) int { return int(x.Seq - y.Seq) })
	return out, nil
}

// ChangeRegistration implements registration.Store.
func (r *Redis) ChangeRegistration(ctx context.Context, c registration.Change) (registration.Registration, []registration.Registration, error) {
	from := make([]string, len(c.From))
	for i, s := range c.From {
		from[i] = string(s)
	}
	fa, err := fillArgs(c.Fill)
	if err != nil {
		return registration.Registration{}, nil, err
	}
	reply, err := r.regCall(ctx, "change registration", scriptRegChange, r.regKeys(c.Event)[:4],
		append([]any{
			c.ID,
			strings.Join(from, ","),
			string(c.To),
			c.Message,
		}, fa...)...,
	)
	if err != nil {
		return registration.Registration{}, nil, err
	}
	switch reply[0] {
	case "notfound":
		return registration.Registration{}, nil, fmt.Errorf("store: registration %q: %w", c.ID, registration.ErrNotFound)
	case "state":
		return registration.Registration{}, nil, fmt.Errorf("store: registration %q is %v: %w", c.ID, reply[1:], registration.ErrState)
	}
	docs, err := regDocs(reply[1:])
	if err != nil || len(docs) == 0 {
		return registration.Registration{}, nil, fmt.Errorf("store: redis: change registration %q: reply %v: %w", c.ID, reply, err)
	}
	return docs[0], docs[1:], nil
}

// FillWaitlist implements registration.Store.
func (r *Redis) FillWaitlist(ctx context.Context, event string, f registration.Fill) ([]registration.Registration, error) {
	fa, err := fillArgs(f)
	if err != nil {
		return nil, err
	}
	reply, err := r.regCall(ctx, "fill waitlist", scriptRegFill, r.regKeys(event)[:3], fa...)
	if err != nil {
		return nil, err
	}
	return regDocs(reply[1:])
}

// AddToken implements registration.Store.
func (r *Redis) AddToken(ctx context.Context, event, id, hash string, max int) error {
	keys := r.regKeys(event)
	reply, err := r.regCall(ctx, "add registration token", scriptRegToken, []string{keys[0], keys[1], keys[2], keys[5]},
		id,
		hash,
		max,
		string(regKey(event, id)),
	)
	if err != nil {
		return err
	}
	if reply[0] != "ok" {
		return fmt.Errorf("store: registration %q: %w", id, registration.ErrNotFound)
	}
	return nil
}

// forget runs the forget script for one registration or (id "") all of
// an event's; it returns how many it deleted and the promoted.
func (r *Redis) forget(ctx context.Context, event, id string, f registration.Fill) (int, []registration.Registration, error) {
	keys := r.regKeys(event)
	fa, err := fillArgs(f)
	if err != nil {
		return 0, nil, err
	}
	reply, err := r.regCall(ctx, "forget registration", scriptRegForget, []string{keys[0], keys[1], keys[2], keys[3], keys[5]},
		append([]any{
			id,
		}, fa...)...,
	)
	if err != nil {
		return 0, nil, err
	}
	if reply[0] != "ok" || len(reply) < 2 {
		return 0, nil, fmt.Errorf("store: registration %q: %w", id, registration.ErrNotFound)
	}
	n, _ := reply[1].(int64)
	up, err := regDocs(reply[2:])
	return int(n), up, err
}

// ForgetRegistration implements registration.Store.
func (r *Redis) ForgetRegistration(ctx context.Context, event, id string, f registration.Fill) ([]registration.Registration, error) {
	if id == "" {
		return nil, fmt.Errorf("store: registration without an ID: %w", registration.ErrNotFound)
	}
	_, up, err := r.forget(ctx, event, id, f)
	return up, err
}

// PurgeRegistrations implements registration.Store.
func (r *Redis) PurgeRegistrations(ctx context.Context, event string) (int, error) {
	n, _, err := r.forget(ctx, event, "", registration.Fill{})
	return n, err
}

// MarkOnce records mark for event and reports whether this call made it
// (HSETNX: one instance wins), so that reminder jobs on several instances
// send each reminder once.
func (r *Redis) MarkOnce(ctx context.Context, event, mark string) (bool, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	defer end()
	made, err := r.client.HSetNX(ctx, r.prefix()+"reg:marks", string(regKey(event, mark)), "1").Result()
	if err != nil {
		return false, r.fail("mark "+mark, err)
	}
	return made, nil
}
