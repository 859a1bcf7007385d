package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/poll"
)

// Polls (poll.Store) in Redis, under the prefix P:
//
//	P polls:prepared                     hash: event ID → poll.Set JSON ({"_version":N,…})
//	P poll:keys:{room} NUL {poll}        sorted set, all scores 0: keys of those who answered
//	P poll:counts:{room} NUL {poll}      hash: option index → count, "answers" → people
//
// An answer is one script that writes both or neither
// (lua/poll_answer.lua); neither keeps the order of the answers.

var _ poll.Store = (*Redis)(nil)

func (r *Redis) pollKeys(room, id string) (keys, counts string) {
	return r.k.prefix + "poll:keys:" + pollKey(room, id), r.k.prefix + "poll:counts:" + pollKey(room, id)
}

// PreparedPolls implements poll.Store.
func (r *Redis) PreparedPolls(ctx context.Context, event string) (poll.Set, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return poll.Set{}, err
	}
	defer end()
	s := poll.Set{Event: event, Polls: []poll.Poll{}}
	raw, err := r.client.HGet(ctx, r.k.prefix+"polls:prepared", event).Bytes()
	if errors.Is(err, redis.Nil) {
		return s, nil
	}
	if err != nil {
		return poll.Set{}, r.failPoll("get prepared polls", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return poll.Set{}, fmt.Errorf("store: decode the polls of %q: %w", event, err)
	}
	return s, nil
}

// PutPreparedPolls implements poll.Store.
func (r *Redis) PutPreparedPolls(ctx context.Context, s poll.Set, ifVersion int64) (poll.Set, error) {
	if s.Event == "" {
		return poll.Set{}, fmt.Errorf("store: polls without a usable event: %w", poll.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return poll.Set{}, err
	}
	defer end()
	s.Version = ifVersion + 1
	body, err := json.Marshal(s)
	if err != nil {
		return poll.Set{}, fmt.Errorf("store: encode the polls of %q: %w", s.Event, err)
	}
	res, err := r.run(ctx, scriptPutDoc, []string{r.k.prefix + "polls:prepared"},
		s.Event,
		ifVersion,
		body,
		"polls",
	)
	if err != nil {
		return poll.Set{}, r.failPoll("put prepared polls", err)
	}
	if res.status != "ok" {
		return poll.Set{}, fmt.Errorf("store: the polls of %q are not at version %d: %w", s.Event, ifVersion, poll.ErrConflict)
	}
	return s, nil
}

// AnswerPoll implements poll.Store.
func (r *Redis) AnswerPoll(ctx context.Context, room, id, key string, choices []int, options int) (poll.Tally, error) {
	if err := checkAnswer(room, id, key, choices, options); err != nil {
		return poll.Tally{}, err
	}
	end, err := r.begin(ctx)
	if err != nil {
		return poll.Tally{}, err
	}
	defer end()
	keys, counts := r.pollKeys(room, id)
	args := []any{key, options}
	for _, c := range choices {
		args = append(args, strconv.Itoa(c))
	}
	reply, err := scriptPollAnswer.Run(ctx, r.client, []string{keys, counts}, args...).Slice()
	if err != nil {
		return poll.Tally{}, r.failPoll("answer a poll", err)
	}
	switch {
	case len(reply) > 0 && reply[0] == "answered":
		return poll.Tally{}, fmt.Errorf("store: poll %q: %w", id, poll.ErrAnswered)
	case len(reply) > 0 && reply[0] == "closed":
		return poll.Tally{}, fmt.Errorf("store: poll %q: %w", id, poll.ErrClosed)
	}
	return tallyReply(id, reply, options)
}

// tallyReply reads a script's {'ok', answers, count 0, …}.
func tallyReply(id string, reply []any, options int) (poll.Tally, error) {
	t := poll.Tally{Counts: make([]int, options)}
	if len(reply) != options+2 || reply[0] != "ok" {
		return poll.Tally{}, fmt.Errorf("store: poll %q: a reply of %d values for %d options", id, len(reply), options)
	}
	n, _ := reply[1].(int64)
	t.Answers = int(n)
	for i := range options {
		c, _ := reply[i+2].(int64)
		t.Counts[i] = int(c)
	}
	return t, nil
}

// ClosePoll implements poll.Store.
func (r *Redis) ClosePoll(ctx context.Context, room, id string, options int) (poll.Tally, error) {
	if room == "" || id == "" || options < 1 || options > poll.MaxOptions {
		return poll.Tally{}, fmt.Errorf("store: closing a poll without a usable room, poll or option count: %w", poll.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return poll.Tally{}, err
	}
	defer end()
	_, counts := r.pollKeys(room, id)
	reply, err := scriptPollClose.Run(ctx, r.client, []string{counts}, options).Slice()
	if err != nil {
		return poll.Tally{}, r.failPoll("close a poll", err)
	}
	return tallyReply(id, reply, options)
}

// PollTally implements poll.Store.
func (r *Redis) PollTally(ctx context.Context, room, id string, options int) (poll.Tally, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return poll.Tally{}, err
	}
	defer end()
	_, counts := r.pollKeys(room, id)
	all, err := r.client.HGetAll(ctx, counts).Result()
	if err != nil {
		return poll.Tally{}, r.failPoll("read a poll's tally", err)
	}
	t := poll.Tally{Counts: make([]int, options)}
	t.Answers, _ = strconv.Atoi(all["answers"])
	for i := range options {
		t.Counts[i], _ = strconv.Atoi(all[strconv.Itoa(i)])
	}
	return t, nil
}

// PollAnswered implements poll.Store.
func (r *Redis) PollAnswered(ctx context.Context, room, id, key string) (bool, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return false, err
	}
	defer end()
	keys, _ := r.pollKeys(room, id)
	_, err = r.client.ZScore(ctx, keys, key).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, r.failPoll("read a poll's keys", err)
	}
	return true, nil
}

// PollsAnswered implements poll.Store: one pipeline of ZSCORE.
func (r *Redis) PollsAnswered(ctx context.Context, room string, keys map[string]string) ([]string, error) {
	out := []string{}
	if len(keys) == 0 {
		return out, nil
	}
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	ids := slices.Sorted(maps.Keys(keys))
	pipe := r.client.Pipeline()
	cmds := make([]*redis.FloatCmd, len(ids))
	for i, id := range ids {
		set, _ := r.pollKeys(room, id)
		cmds[i] = pipe.ZScore(ctx, set, keys[id])
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, r.failPoll("read polls' keys", err)
	}
	for i, c := range cmds {
		if c.Err() == nil {
			out = append(out, ids[i])
		}
	}
	return out, nil
}

// failPoll is fail for polls: an unreachable Redis also wraps
// poll.ErrUnavailable.
func (r *Redis) failPoll(what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("%w (%w)", r.fail(what, err), poll.ErrUnavailable)
	}
	return r.fail(what, err)
}

// AnswerRooms implements poll.Store: the rooms of the poll:keys sets, by
// SCAN (the retention job's walk; answers keep no index of their own).
func (r *Redis) AnswerRooms(ctx context.Context) ([]string, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	base := r.k.prefix + "poll:keys:"
	seen := map[string]bool{}
	out := []string{}
	it := r.client.Scan(ctx, 0, globQuote(base)+"*", 1000).Iterator()
	for it.Next(ctx) {
		room, _, ok := strings.Cut(strings.TrimPrefix(it.Val(), base), "\x00")
		if ok && !seen[room] {
			seen[room] = true
			out = append(out, room)
		}
	}
	if err := it.Err(); err != nil {
		return nil, r.failPoll("list the rooms with answers", err)
	}
	return out, nil
}

// ForgetAnswerKeys implements poll.Store: the room's poll:keys sets go;
// its counts stay.
func (r *Redis) ForgetAnswerKeys(ctx context.Context, room string) (int, error) {
	if room == "" || strings.ContainsRune(room, 0) {
		return 0, fmt.Errorf("store: forget answer keys of %q: %w", room, poll.ErrInvalid)
	}
	end, err := r.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer end()
	var sets []string
	it := r.client.Scan(ctx, 0, globQuote(r.k.prefix+"poll:keys:"+room+"\x00")+"*", 1000).Iterator()
	for it.Next(ctx) {
		sets = append(sets, it.Val())
	}
	if err := it.Err(); err != nil {
		return 0, r.failPoll("find a room's answer keys", err)
	}
	n := 0
	for chunk := range slices.Chunk(sets, 100) {
		pipe := r.client.TxPipeline()
		cards := make([]*redis.IntCmd, len(chunk))
		for i, set := range chunk {
			cards[i] = pipe.ZCard(ctx, set)
		}
		pipe.Del(ctx, chunk...)
		if _, err := pipe.Exec(ctx); err != nil {
			return n, r.failPoll("forget a room's answer keys", err)
		}
		for _, c := range cards {
			n += int(c.Val())
		}
	}
	return n, nil
}

// globQuote makes s match itself in a Redis glob pattern (SCAN MATCH).
func globQuote(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c == '*' || c == '?' || c == '[' || c == ']' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
