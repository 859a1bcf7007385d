package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/majlis/majlis/caption"
)

// Buckets of live captions (caption.Store), made on first write. Every key
// starts with the event's ID and a NUL, so that one event's records are
// one key range (IDs and channels hold no NUL):
//
//	caption_tokens         event NUL id              → token JSON (with its hash)
//	caption_token_hashes   token hash                → event NUL id
//	caption_lines          event NUL channel NUL pos → line JSON (pos: 8 bytes, big-endian)
//	caption_channels       event NUL channel         → {next, dropped}
//	caption_cursors        event NUL channel NUL tok → {seq, pos}
var (
	bucketCaptionTokens   = []byte("caption_tokens")
	bucketCaptionHashes   = []byte("caption_token_hashes")
	bucketCaptionLines    = []byte("caption_lines")
	bucketCaptionChannels = []byte("caption_channels")
	bucketCaptionCursors  = []byte("caption_cursors")
)

var _ caption.Store = (*Bolt)(nil)

// storedCaptionToken is a caption token as both stores keep it: the hash,
// which the API never shows, is kept too.
type storedCaptionToken struct {
	caption.Token
	Hash string `json:"token_hash"`
}

func encodeCaptionToken(t caption.Token) ([]byte, error) {
	raw, err := json.Marshal(storedCaptionToken{Token: t, Hash: t.Hash})
	if err != nil {
		return nil, fmt.Errorf("store: encode caption token %q: %w", t.ID, err)
	}
	return raw, nil
}

func decodeCaptionToken(raw []byte) (caption.Token, error) {
	var s storedCaptionToken
	err := json.Unmarshal(raw, &s)
	s.Token.Hash = s.Hash
	return s.Token, err
}

// captionChannel is what a store keeps of a channel besides its lines.
type captionChannel struct {
	Next    uint64 `json:"next"`
	Dropped uint64 `json:"dropped"`
}

// captionCursor is a token's latest seq on a channel and the pos it got.
type captionCursor struct {
	Seq uint64 `json:"seq"`
	Pos uint64 `json:"pos"`
}

// captionKey joins parts with NUL: the keys of caption records.
func captionKey(parts ...string) []byte { return []byte(strings.Join(parts, "\x00") + "\x00") }

// checkCaptionIDs refuses IDs a store cannot key.
func checkCaptionIDs(ids ...string) error {
	for _, id := range ids {
		if id == "" || strings.ContainsRune(id, 0) {
			return fmt.Errorf("store: caption record with an empty ID or a NUL in one: %w", caption.ErrInvalid)
		}
	}
	return nil
}

// sortCaptionTokens orders tokens by creation, then ID.
func sortCaptionTokens(out []caption.Token) {
	slices.SortStableFunc(out, func(a, b caption.Token) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
}

// CreateCaptionToken implements caption.Store.
func (b *Bolt) CreateCaptionToken(ctx context.Context, t caption.Token, max int) error {
	if err := checkCaptionIDs(t.Event, t.ID, t.Hash); err != nil {
		return err
	}
	raw, err := encodeCaptionToken(t)
	if err != nil {
		return err
	}
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		toks, err := tx.CreateBucketIfNotExists(bucketCaptionTokens)
		if err != nil {
			return fmt.Errorf("store: caption tokens bucket: %w", err)
		}
		hashes, err := tx.CreateBucketIfNotExists(bucketCaptionHashes)
		if err != nil {
			return fmt.Errorf("store: caption token hashes bucket: %w", err)
		}
		key := captionKey(t.Event, t.ID)
		if toks.Get(key) != nil || hashes.Get([]byte(t.Hash)) != nil {
			return fmt.Errorf("store: caption token %q: %w", t.ID, caption.ErrConflict)
		}
		prefix := captionKey(t.Event)
		n := 0
		c := toks.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		if n >= max {
			return fmt.Errorf("store: caption token %q: %w", t.ID, caption.ErrTooManyTokens)
		}
		if err := toks.Put(key, raw); err != nil {
			return fmt.Errorf("store: write caption token %q: %w", t.ID, err)
		}
		if err := hashes.Put([]byte(t.Hash), key); err != nil {
			return fmt.Errorf("store: write caption token %q: %w", t.ID, err)
		}
		return nil
	})
}

// CaptionTokenByHash implements caption.Store.
func (b *Bolt) CaptionTokenByHash(ctx context.Context, hash string) (caption.Token, error) {
	var t caption.Token
	err := b.view(ctx, func(tx *bolt.Tx) error {
		hashes, toks := tx.Bucket(bucketCaptionHashes), tx.Bucket(bucketCaptionTokens)
		var raw []byte
		if hashes != nil && toks != nil {
			if key := hashes.Get([]byte(hash)); key != nil {
				raw = toks.Get(key)
			}
		}
		if raw == nil {
			return fmt.Errorf("store: no caption token with that hash: %w", caption.ErrNotFound)
		}
		var err error
		if t, err = decodeCaptionToken(raw); err != nil {
			return fmt.Errorf("store: decode caption token: %w", err)
		}
		return nil
	})
	return t, err
}

// CaptionTokens implements caption.Store.
func (b *Bolt) CaptionTokens(ctx context.Context, event string) ([]caption.Token, error) {
	out := []caption.Token{}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		toks := tx.Bucket(bucketCaptionTokens)
		if toks == nil {
			return nil
		}
		prefix := captionKey(event)
		c := toks.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			t, err := decodeCaptionToken(v)
			if err != nil {
				return fmt.Errorf("store: decode caption token %q: %w", k, err)
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortCaptionTokens(out)
	return out, nil
}

// RevokeCaptionToken implements caption.Store.
func (b *Bolt) RevokeCaptionToken(ctx context.Context, event, id string) (caption.Token, error) {
	var t caption.Token
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		toks := tx.Bucket(bucketCaptionTokens)
		key := captionKey(event, id)
		var raw []byte
		if toks != nil {
			raw = toks.Get(key)
		}
		if raw == nil {
			return fmt.Errorf("store: caption token %q: %w", id, caption.ErrNotFound)
		}
		var err error
		if t, err = decodeCaptionToken(raw); err != nil {
			return fmt.Errorf("store: decode caption token %q: %w", id, err)
		}
		if t.Revoked {
			return nil
		}
		t.Revoked = true
		if raw, err = encodeCaptionToken(t); err != nil {
			return err
		}
		if err := toks.Put(key, raw); err != nil {
			return fmt.Errorf("store: write caption token %q: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return caption.Token{}, err
	}
	return t, nil
}

// getJSON decodes the value under key into v; false when there is none.
func getJSON(bk *bolt.Bucket, key []byte, v any) (bool, error) {
	raw := bk.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("store: decode %q: %w", key, err)
	}
	return true, nil
}

// putJSON encodes v under key.
func putJSON(bk *bolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode %q: %w", key, err)
	}
	if err := bk.Put(key, raw); err != nil {
		return fmt.Errorf("store: write %q: %w", key, err)
	}
	return nil
}

// AppendCaption implements caption.Store.
func (b *Bolt) AppendCaption(ctx context.Context, l caption.Line, max int) (caption.Appended, error) {
	if err := checkCaptionIDs(l.Event, l.Channel, l.Token); err != nil {
		return caption.Appended{}, err
	}
	var out caption.Appended
	err := b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		var bks [3]*bolt.Bucket
		for i, name := range [][]byte{bucketCaptionLines, bucketCaptionChannels, bucketCaptionCursors} {
			bk, err := tx.CreateBucketIfNotExists(name)
			if err != nil {
				return fmt.Errorf("store: %s bucket: %w", name, err)
			}
			bks[i] = bk
		}
		lines, chans, cursors := bks[0], bks[1], bks[2]
		ckey := captionKey(l.Event, l.Channel, l.Token)
		var cur captionCursor
		ok, err := getJSON(cursors, ckey, &cur)
		if err != nil {
			return err
		}
		switch {
		case ok && l.Seq == cur.Seq:
			l.Pos = cur.Pos
			out = caption.Appended{Line: l, Duplicate: true}
			return nil
		case ok && l.Seq < cur.Seq:
			return fmt.Errorf("store: caption seq %d: %w", l.Seq, caption.ErrSeqOutOfOrder)
		}
		chkey := captionKey(l.Event, l.Channel)
		var ch captionChannel
		if _, err := getJSON(chans, chkey, &ch); err != nil {
			return err
		}
		ch.Next++
		l.Pos = ch.Next
		if err := putJSON(lines, binary.BigEndian.AppendUint64(slices.Clone(chkey), l.Pos), l); err != nil {
			return err
		}
		// Lines of a channel are pos order in the bucket: drop from the
		// front while more than max are kept.
		if kept := ch.Next - ch.Dropped; max > 0 && kept > uint64(max) {
			n := kept - uint64(max)
			c := lines.Cursor()
			for k, _ := c.Seek(chkey); k != nil && bytes.HasPrefix(k, chkey) && n > 0; k, _ = c.Seek(chkey) {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("store: drop caption line: %w", err)
				}
				n--
				out.Dropped++
				ch.Dropped++
			}
		}
		if err := putJSON(chans, chkey, ch); err != nil {
			return err
		}
		out.Line = l
		return putJSON(cursors, ckey, captionCursor{Seq: l.Seq, Pos: l.Pos})
	})
	if err != nil {
		return caption.Appended{}, err
	}
	return out, nil
}

// Captions implements caption.Store.
func (b *Bolt) Captions(ctx context.Context, event, channel string) (caption.Transcript, error) {
	tr := caption.Transcript{Lines: []caption.Line{}}
	err := b.view(ctx, func(tx *bolt.Tx) error {
		lines, chans := tx.Bucket(bucketCaptionLines), tx.Bucket(bucketCaptionChannels)
		if lines == nil || chans == nil {
			return nil
		}
		chkey := captionKey(event, channel)
		var ch captionChannel
		if _, err := getJSON(chans, chkey, &ch); err != nil {
			return err
		}
		tr.Dropped = ch.Dropped
		c := lines.Cursor()
		for k, v := c.Seek(chkey); k != nil && bytes.HasPrefix(k, chkey); k, v = c.Next() {
			var l caption.Line
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("store: decode caption line %q: %w", k, err)
			}
			tr.Lines = append(tr.Lines, l)
		}
		return nil
	})
	if err != nil {
		return caption.Transcript{}, err
	}
	return tr, nil
}

// DeleteCaptions implements caption.Store.
func (b *Bolt) DeleteCaptions(ctx context.Context, event string) error {
	if err := checkCaptionIDs(event); err != nil {
		return err
	}
	prefix := captionKey(event)
	return b.update(ctx, func(tx *bolt.Tx, _ *writes) error {
		if toks, hashes := tx.Bucket(bucketCaptionTokens), tx.Bucket(bucketCaptionHashes); toks != nil && hashes != nil {
			c := toks.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				t, err := decodeCaptionToken(v)
				if err != nil {
					return fmt.Errorf("store: decode caption token %q: %w", k, err)
				}
				if err := hashes.Delete([]byte(t.Hash)); err != nil {
					return fmt.Errorf("store: delete caption token hash: %w", err)
				}
			}
		}
		for _, name := range [][]byte{bucketCaptionTokens, bucketCaptionLines, bucketCaptionChannels, bucketCaptionCursors} {
			bk := tx.Bucket(name)
			if bk == nil {
				continue
			}
			c := bk.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("store: delete %s of %q: %w", name, event, err)
				}
			}
		}
		return nil
	})
}
