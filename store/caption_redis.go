package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/caption"
)

// Live captions (caption.Store) are kept, under the prefix P:
//
//	P captions:tokens:{event}             hash: token ID → token JSON (with its hash)
//	P captions:by-hash                    hash: token hash → event NUL token ID
//	P captions:channels:{event}           hash: "next" NUL channel → last pos, "dropped" NUL channel → count
//	P captions:cursors:{event}            hash: channel NUL token ID → "seq pos"
//	P captions:lines:{event}:{channel}    list: "pos json" of the kept lines, oldest first
//
// The cap, the sequence rule and the token count are each one script.

var _ caption.Store = (*Redis)(nil)

// captionKeys are one event's caption keys.
type captionKeys struct{ tokens, hashes, channels, cursors, lines string }

func (r *Redis) captionKeys(event string) captionKeys {
	p := r.prefix() + "captions:"
	return captionKeys{tokens: p + "tokens:" + event, hashes: p + "by-hash", channels: p + "channels:" + event,
		cursors: p + "cursors:" + event, lines: p + "lines:" + event + ":"}
}

// CreateCaptionToken implements caption.Store.
func (r *Redis) CreateCaptionToken(ctx context.Context, t caption.Token, max int) error {
	if err := checkCaptionIDs(t.Event, t.ID, t.Hash); err != nil {
		return err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	body, err := encodeCaptionToken(t)
	if err != nil {
		return err
	}
	k := r.captionKeys(t.Event)
	res, err := r.run(ctx, scriptCaptionTokenCreate, []string{k.tokens, k.hashes},
		t.ID,
		t.Hash,
		t.Event+"\x00"+t.ID,
		body,
		max,
	)
	if err != nil {
		return r.fail(fmt.Sprintf("create caption token %q", t.ID), err)
	}
	switch res.status {
	case "exists":
		return fmt.Errorf("store: caption token %q: %w", t.ID, caption.ErrConflict)
	case "full":
		return fmt.Errorf("store: caption token %q: %w", t.ID, caption.ErrTooManyTokens)
	}
	return nil
}

// CaptionTokenByHash implements caption.Store.
func (r *Redis) CaptionTokenByHash(ctx context.Context, hash string) (caption.Token, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return caption.Token{}, err
	}
	defer end()
	entry, err := r.client.HGet(ctx, r.captionKeys("").hashes, hash).Result()
	if errors.Is(err, redis.Nil) {
		return caption.Token{}, fmt.Errorf("store: no caption token with that hash: %w", caption.ErrNotFound)
	}
	if err != nil {
		return caption.Token{}, r.fail("caption token by hash", err)
	}
	event, id, _ := strings.Cut(entry, "\x00")
	raw, err := r.client.HGet(ctx, r.captionKeys(event).tokens, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return caption.Token{}, fmt.Errorf("store: no caption token with that hash: %w", caption.ErrNotFound)
	}
	if err != nil {
		return caption.Token{}, r.fail("caption token by hash", err)
	}
	t, err := decodeCaptionToken(raw)
	if err != nil {
		return caption.Token{}, fmt.Errorf("store: decode caption token %q: %w", id, err)
	}
	return t, nil
}

// CaptionTokens implements caption.Store.
func (r *Redis) CaptionTokens(ctx context.Context, event string) ([]caption.Token, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	raws, err := r.client.HGetAll(ctx, r.captionKeys(event).tokens).Result()
	if err != nil {
		return nil, r.fail("list caption tokens", err)
	}
	out := make([]caption.Token, 0, len(raws))
	for id, raw := range raws {
		t, err := decodeCaptionToken([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("store: decode caption token %q: %w", id, err)
		}
		out = append(out, t)
	}
	sortCaptionTokens(out)
	return out, nil
}

// RevokeCaptionToken implements caption.Store: read, set Revoked, and
// write back only if nobody changed it in between (compare-and-swap).
func (r *Redis) RevokeCaptionToken(ctx context.Context, event, id string) (caption.Token, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return caption.Token{}, err
	}
	defer end()
	key := r.captionKeys(event).tokens
	for range revokeAttempts {
		raw, err := r.client.HGet(ctx, key, id).Bytes()
		if errors.Is(err, redis.Nil) {
			return caption.Token{}, fmt.Errorf("store: caption token %q: %w", id, caption.ErrNotFound)
		}
		if err != nil {
			return caption.Token{}, r.fail(fmt.Sprintf("read caption token %q", id), err)
		}
		t, err := decodeCaptionToken(raw)
		if err != nil {
			return caption.Token{}, fmt.Errorf("store: decode caption token %q: %w", id, err)
		}
		if t.Revoked {
			return t, nil
		}
		t.Revoked = true
		body, err := encodeCaptionToken(t)
		if err != nil {
			return caption.Token{}, err
		}
		swapped, err := scriptSwap.Run(ctx, r.client, []string{key},
			id,
			raw,
			body,
		).Int()
		if err != nil {
			return caption.Token{}, r.fail(fmt.Sprintf("revoke caption token %q", id), err)
		}
		if swapped == 1 {
			return t, nil
		}
	}
	return caption.Token{}, fmt.Errorf("store: caption token %q kept changing during revoke: %w", id, caption.ErrConflict)
}

// AppendCaption implements caption.Store.
func (r *Redis) AppendCaption(ctx context.Context, l caption.Line, max int) (caption.Appended, error) {
	if err := checkCaptionIDs(l.Event, l.Channel, l.Token); err != nil {
		return caption.Appended{}, err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return caption.Appended{}, err
	}
	defer end()
	l.Pos = 0
	body, err := encodeCaptionLine(l)
	if err != nil {
		return caption.Appended{}, err
	}
	k := r.captionKeys(l.Event)
	reply, err := scriptCaptionAppend.Run(ctx, r.client, []string{k.lines + l.Channel, k.channels, k.cursors},
		l.Channel,
		l.Token,
		strconv.FormatUint(l.Seq, 10),
		body,
		max,
	).Slice()
	if err != nil {
		return caption.Appended{}, r.fail("append caption", err)
	}
	status, _ := reply[0].(string)
	num := func(i int) uint64 {
		if i < len(reply) {
			if n, ok := reply[i].(int64); ok {
				return uint64(n)
			}
		}
		return 0
	}
	switch status {
	case "duplicate":
		l.Pos = num(1)
		return caption.Appended{Line: l, Duplicate: true}, nil
	case "order":
		return caption.Appended{}, fmt.Errorf("store: caption seq %d: %w", l.Seq, caption.ErrSeqOutOfOrder)
	case "ok":
		l.Pos = num(1)
		return caption.Appended{Line: l, Dropped: num(2)}, nil
	}
	return caption.Appended{}, fmt.Errorf("store: redis: append caption: unexpected reply %v", reply)
}

// encodeCaptionLine is a line's stored JSON.
func encodeCaptionLine(l caption.Line) ([]byte, error) {
	body, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("store: encode caption line: %w", err)
	}
	return body, nil
}

// Captions implements caption.Store.
func (r *Redis) Captions(ctx context.Context, event, channel string) (caption.Transcript, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return caption.Transcript{}, err
	}
	defer end()
	k := r.captionKeys(event)
	var lines *redis.StringSliceCmd
	var dropped *redis.StringCmd
	if _, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		lines, dropped = p.LRange(ctx, k.lines+channel, 0, -1), p.HGet(ctx, k.channels, "dropped\x00"+channel)
		return nil
	}); err != nil && !errors.Is(err, redis.Nil) {
		return caption.Transcript{}, r.fail("read captions", err)
	}
	tr := caption.Transcript{Lines: make([]caption.Line, 0, len(lines.Val()))}
	if d, err := dropped.Uint64(); err == nil {
		tr.Dropped = d
	}
	for _, entry := range lines.Val() {
		pos, doc, _ := strings.Cut(entry, " ")
		var l caption.Line
		if err := json.Unmarshal([]byte(doc), &l); err != nil {
			return caption.Transcript{}, fmt.Errorf("store: decode caption line %s: %w", pos, err)
		}
		if l.Pos, err = strconv.ParseUint(pos, 10, 64); err != nil {
			return caption.Transcript{}, fmt.Errorf("store: caption line position %q: %w", pos, err)
		}
		tr.Lines = append(tr.Lines, l)
	}
	return tr, nil
}

// DeleteCaptions implements caption.Store.
func (r *Redis) DeleteCaptions(ctx context.Context, event string) error {
	if err := checkCaptionIDs(event); err != nil {
		return err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	k := r.captionKeys(event)
	if _, err := r.run(ctx, scriptCaptionDelete, []string{k.tokens, k.hashes, k.channels, k.cursors},
		k.lines,
	); err != nil {
		return r.fail("delete captions", err)
	}
	return nil
}
