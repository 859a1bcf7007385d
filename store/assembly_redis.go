package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
)

// The general assembly's keys in Redis, under the prefix P:
//
//	P institutions            hash: institution ID → institution JSON
//	P rolls                   hash: event ID → roll JSON
//	P ballots                 hash: ballot ID → ballot JSON
//	P ballot:voters:<ballot>  sorted set, all scores 0: institutions that voted
//	P ballot:box:<ballot>     sorted set, all scores 0: "receipt choice-JSON" (secret ballots)
//	P ballot:votes:<ballot>   hash: institution ID → vote JSON (named ballots)
//
// Documents are stored like the others ({"_version":N,…}). A sorted set
// of equal scores is kept in member order whatever its encoding, so the
// voters and the box hold no trace of the order of the casts; a cast is
// one script that writes both or neither (lua/ballot_cast_secret.lua).
func (r *Redis) assemblyKey(name string) string { return r.k.prefix + name }

func (r *Redis) ballotKeys(id string) (voters, box, votes string) {
	return r.k.prefix + "ballot:voters:" + id, r.k.prefix + "ballot:box:" + id, r.k.prefix + "ballot:votes:" + id
}

// failAs is fail for a domain package: an unreachable Redis also wraps the
// domain's ErrUnavailable.
func (r *Redis) failAs(d domainErrs, what string, err error) error {
	if unreachable(err) {
		return fmt.Errorf("%w (%w)", r.fail(what, err), d.unavailable)
	}
	return r.fail(what, err)
}

// docPutRedis writes v under id in the hash name with the version rule of
// checkPut.
func docPutRedis[T versioned](ctx context.Context, r *Redis, name, kind, id string, v T, ifVersion int64, d domainErrs) (T, error) {
	var zero T
	end, err := r.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer end()
	if err := d.checkPut(kind, id, ifVersion > 0, ifVersion, ifVersion); err != nil {
		return zero, err
	}
	v = withVersion(v, ifVersion+1)
	body, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("store: encode %s %q: %w", kind, id, err)
	}
	res, err := r.run(ctx, scriptPutDoc, []string{r.assemblyKey(name)},
		id,
		ifVersion,
		body,
		kind,
	)
	if err != nil {
		return zero, r.failAs(d, fmt.Sprintf("put %s %q", kind, id), err)
	}
	switch res.status {
	case "ok":
		return decodeJSON[T](body)
	case "exists":
		return zero, fmt.Errorf("store: %s %q exists: %w", kind, id, d.conflict)
	case "notfound":
		return zero, fmt.Errorf("store: %s %q: %w", kind, id, d.notFound)
	}
	return zero, fmt.Errorf("store: %s %q is at version %d, not %d: %w", kind, id, res.version, ifVersion, d.conflict)
}

// docGetRedis reads one assembly document.
func docGetRedis[T versioned](ctx context.Context, r *Redis, name, kind, id string, d domainErrs) (T, error) {
	var zero T
	end, err := r.begin(ctx)
	if err != nil {
		return zero, err
	}
	defer end()
	raw, err := r.client.HGet(ctx, r.assemblyKey(name), id).Bytes()
	if errors.Is(err, redis.Nil) {
		return zero, fmt.Errorf("store: %s %q: %w", kind, id, d.notFound)
	}
	if err != nil {
		return zero, r.failAs(d, fmt.Sprintf("get %s %q", kind, id), err)
	}
	// Stored as {"_version":N,…}; the document's own version field says
	// the same (docPutRedis writes it so).
	v, err := decodeJSON[T](raw)
	if err != nil {
		return zero, fmt.Errorf("store: decode %s %q: %w", kind, id, err)
	}
	return v, nil
}

// docAllRedis reads every document of the hash name, ordered by ID.
func docAllRedis[T versioned](ctx context.Context, r *Redis, name, kind string, d domainErrs) ([]T, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	all, err := r.client.HGetAll(ctx, r.assemblyKey(name)).Result()
	if err != nil {
		return nil, r.failAs(d, "list "+kind, err)
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		v, err := decodeJSON[T]([]byte(all[id]))
		if err != nil {
			return nil, fmt.Errorf("store: decode %s %q: %w", kind, id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// GetInstitution implements institution.Store.
func (r *Redis) GetInstitution(ctx context.Context, id string) (institution.Institution, error) {
	return docGetRedis[institution.Institution](ctx, r, "institutions", "institution", id, institutionErrs)
}

// ListInstitutions implements institution.Store.
func (r *Redis) ListInstitutions(ctx context.Context) ([]institution.Institution, error) {
	out, err := docAllRedis[institution.Institution](ctx, r, "institutions", "institution", institutionErrs)
	return out, err
}

// PutInstitution implements institution.Store.
func (r *Redis) PutInstitution(ctx context.Context, in institution.Institution, ifVersion int64) (institution.Institution, error) {
	return docPutRedis(ctx, r, "institutions", "institution", in.ID, in, ifVersion, institutionErrs)
}

// DeleteInstitution implements institution.Store.
func (r *Redis) DeleteInstitution(ctx context.Context, id string, ifVersion int64) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	res, err := r.run(ctx, scriptDeleteDoc, []string{r.assemblyKey("institutions")},
		id,
		ifVersion,
		"institution",
	)
	if err != nil {
		return r.failAs(institutionErrs, fmt.Sprintf("delete institution %q", id), err)
	}
	switch res.status {
	case "ok":
		return nil
	case "notfound":
		return fmt.Errorf("store: institution %q: %w", id, institution.ErrNotFound)
	}
	return fmt.Errorf("store: institution %q is at version %d, not %d: %w", id, res.version, ifVersion, institution.ErrConflict)
}

// GetRoll implements ballot.Store.
func (r *Redis) GetRoll(ctx context.Context, event string) (ballot.Roll, error) {
	return docGetRedis[ballot.Roll](ctx, r, "rolls", "roll", event, ballotErrs)
}

// PutRoll implements ballot.Store.
func (r *Redis) PutRoll(ctx context.Context, x ballot.Roll, ifVersion int64) (ballot.Roll, error) {
	return docPutRedis(ctx, r, "rolls", "roll", x.Event, x, ifVersion, ballotErrs)
}

// GetBallot implements ballot.Store.
func (r *Redis) GetBallot(ctx context.Context, id string) (ballot.Ballot, error) {
	return docGetRedis[ballot.Ballot](ctx, r, "ballots", "ballot", id, ballotErrs)
}

// ListBallots implements ballot.Store: a scan of every ballot.
func (r *Redis) ListBallots(ctx context.Context, event string) ([]ballot.Ballot, error) {
	all, err := docAllRedis[ballot.Ballot](ctx, r, "ballots", "ballot", ballotErrs)
	var out []ballot.Ballot
	for _, b := range all {
		if b.Event == event {
			out = append(out, b)
		}
	}
	return out, err
}

// PutBallot implements ballot.Store.
func (r *Redis) PutBallot(ctx context.Context, b ballot.Ballot, ifVersion int64) (ballot.Ballot, error) {
	return docPutRedis(ctx, r, "ballots", "ballot", b.ID, b, ifVersion, ballotErrs)
}

// castResult maps a cast script's reply.
func castResult(res result, id string) error {
	switch res.status {
	case "ok":
		return nil
	case "notfound":
		return fmt.Errorf("store: ballot %q: %w", id, ballot.ErrNotFound)
	case "voted":
		return fmt.Errorf("store: ballot %q: %w", id, ballot.ErrAlreadyVoted)
	case "receipt":
		return fmt.Errorf("store: ballot %q: receipt in use: %w", id, ballot.ErrConflict)
	}
	return fmt.Errorf("store: ballot %q is at version %d: %w", id, res.version, ballot.ErrConflict)
}

// CastSecret implements ballot.Store in one script (see the key list).
func (r *Redis) CastSecret(ctx context.Context, id string, version int64, inst string, p ballot.Paper) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	choice, err := json.Marshal(p.Choice)
	if err != nil {
		return fmt.Errorf("store: encode a paper: %w", err)
	}
	voters, box, _ := r.ballotKeys(id)
	res, err := r.run(ctx, scriptCastSecret, []string{r.assemblyKey("ballots"), voters, box},
		id,
		version,
		inst,
		p.Receipt,
		p.Receipt+" "+string(choice),
	)
	if err != nil {
		return r.failAs(ballotErrs, "cast in ballot "+id, err)
	}
	return castResult(res, id)
}

// CastNamed implements ballot.Store in one script.
func (r *Redis) CastNamed(ctx context.Context, id string, version int64, v ballot.Vote) error {
	end, err := r.begin(ctx)
	if err != nil {
		return err
	}
	defer end()
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode a vote: %w", err)
	}
	voters, _, votes := r.ballotKeys(id)
	res, err := r.run(ctx, scriptCastNamed, []string{r.assemblyKey("ballots"), voters, votes},
		id,
		version,
		v.Institution,
		raw,
	)
	if err != nil {
		return r.failAs(ballotErrs, "cast in ballot "+id, err)
	}
	return castResult(res, id)
}

// members reads a sorted set of a ballot in member order.
func (r *Redis) ballotSet(ctx context.Context, key, what string) ([]string, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	out, err := r.client.ZRange(ctx, key, 0, -1).Result()
	if err != nil {
		return nil, r.failAs(ballotErrs, "read "+what, err)
	}
	return out, nil
}

// Voters implements ballot.Store.
func (r *Redis) Voters(ctx context.Context, id string) ([]string, error) {
	voters, _, _ := r.ballotKeys(id)
	return r.ballotSet(ctx, voters, "the voters of ballot "+id)
}

// Papers implements ballot.Store.
func (r *Redis) Papers(ctx context.Context, id string) ([]ballot.Paper, error) {
	_, box, _ := r.ballotKeys(id)
	ms, err := r.ballotSet(ctx, box, "the box of ballot "+id)
	if err != nil {
		return nil, err
	}
	var out []ballot.Paper
	for _, m := range ms {
		receipt, choice, _ := strings.Cut(m, " ")
		c, err := decodeJSON[ballot.Choice]([]byte(choice))
		if err != nil {
			return nil, fmt.Errorf("store: decode a paper of ballot %q: %w", id, err)
		}
		out = append(out, ballot.Paper{Receipt: receipt, Choice: c})
	}
	return out, nil
}

// Votes implements ballot.Store, sorted by institution.
func (r *Redis) Votes(ctx context.Context, id string) ([]ballot.Vote, error) {
	end, err := r.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	_, _, votes := r.ballotKeys(id)
	all, err := r.client.HGetAll(ctx, votes).Result()
	if err != nil {
		return nil, r.failAs(ballotErrs, "read the votes of ballot "+id, err)
	}
	insts := make([]string, 0, len(all))
	for k := range all {
		insts = append(insts, k)
	}
	slices.Sort(insts)
	var out []ballot.Vote
	for _, k := range insts {
		v, err := decodeJSON[ballot.Vote]([]byte(all[k]))
		if err != nil {
			return nil, fmt.Errorf("store: decode a vote of ballot %q: %w", id, err)
		}
		out = append(out, v)
	}
	return out, nil
}
