package ballot

import "context"

// Store is what ballot needs from storage. Every write is atomic and
// acknowledged only once durable. Versions start at 1 and grow by one per
// write; ifVersion 0 creates (ErrConflict if the ID exists). The method
// names carry their noun so that one store type serves several packages.
//
// Secrecy (see the package doc): for a secret ballot the store keeps two
// records that share nothing but the ballot ID: the voters (a set of
// institution IDs) and the box (a set of papers, each a receipt and a
// choice). The box's stored form must be a function of its content only:
// papers kept and returned in receipt order (a bbolt bucket keyed by
// receipt, a Redis sorted set of equal scores or a hash read back sorted),
// never in insertion order, never with a time, a counter or a sequence,
// and a cast never bumps the ballot's version. Nothing is logged per cast.
type Store interface {
	// GetRoll returns an assembly's roll or ErrNotFound.
	GetRoll(ctx context.Context, event string) (Roll, error)
	// PutRoll stores a roll if its stored version is ifVersion.
	PutRoll(ctx context.Context, r Roll, ifVersion int64) (Roll, error)

	// GetBallot returns a ballot or ErrNotFound.
	GetBallot(ctx context.Context, id string) (Ballot, error)
	// ListBallots returns an assembly's ballots ordered by ID.
	ListBallots(ctx context.Context, event string) ([]Ballot, error)
	// PutBallot stores a ballot if its stored version is ifVersion.
	PutBallot(ctx context.Context, b Ballot, ifVersion int64) (Ballot, error)

	// CastSecret records, in one atomic step, that inst voted in the
	// ballot and drops p into its box, provided the ballot's stored
	// version is still ballotVersion (ErrConflict otherwise: it was
	// closed meanwhile) and inst has not voted (ErrAlreadyVoted). Both
	// records are written or neither.
	CastSecret(ctx context.Context, ballot string, ballotVersion int64, inst string, p Paper) error
	// CastNamed records v.Institution's vote, replacing an earlier one
	// (a named vote may change until the close), and adds the
	// institution to the voters, under the same version precondition.
	CastNamed(ctx context.Context, ballot string, ballotVersion int64, v Vote) error
	// Voters returns the institutions that voted in a ballot, sorted.
	Voters(ctx context.Context, ballot string) ([]string, error)
	// Papers returns a secret ballot's box, sorted by receipt.
	Papers(ctx context.Context, ballot string) ([]Paper, error)
	// Votes returns a named ballot's votes, sorted by institution.
	Votes(ctx context.Context, ballot string) ([]Vote, error)
}
