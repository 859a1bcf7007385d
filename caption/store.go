package caption

import "context"

// Appended is the outcome of Store.AppendCaption.
type Appended struct {
	// Line is the line as stored, with its Pos; for a duplicate, the line
	// given with the Pos of the one stored first.
	Line Line
	// Duplicate is set when the token had sent this seq on this channel
	// already (its latest): nothing was stored.
	Duplicate bool
	// Dropped is how many old lines this append dropped to keep the cap.
	Dropped uint64
}

// Transcript is what a Store keeps of one channel's captions.
type Transcript struct {
	// Lines are the kept lines, ordered by Pos.
	Lines []Line
	// Dropped counts the lines dropped, oldest first, to keep the cap.
	Dropped uint64
}

// Store is what caption needs from storage. Every write is atomic and
// acknowledged only once durable; values returned are copies. The method
// names carry their noun so that one store type serves several packages.
// A store that cannot be reached answers an error wrapping ErrUnavailable.
type Store interface {
	// CreateCaptionToken stores t, unless its event already has max
	// tokens, revoked ones included (ErrTooManyTokens), or a token with
	// its ID or Hash exists (ErrConflict). The count and the insert are
	// one atomic step.
	CreateCaptionToken(ctx context.Context, t Token, max int) error
	// CaptionTokenByHash returns the token whose Hash is hash (revoked
	// and expired ones too), or ErrNotFound.
	CaptionTokenByHash(ctx context.Context, hash string) (Token, error)
	// CaptionTokens returns an event's tokens ordered by Created, then ID.
	CaptionTokens(ctx context.Context, event string) ([]Token, error)
	// RevokeCaptionToken marks the token id of event revoked and returns
	// it; revoking twice is no error. A token of another event is
	// ErrNotFound.
	RevokeCaptionToken(ctx context.Context, event, id string) (Token, error)

	// AppendCaption stores l (whose Pos it ignores) at the end of its
	// (event, channel), in one atomic step with the sequence rule, kept
	// per (event, channel, token): when l.Seq equals the token's latest
	// seq there, nothing is stored and Appended.Duplicate is set (with the
	// Pos stored then); when lower, nothing is stored and the error is
	// ErrSeqOutOfOrder; otherwise the line gets the next Pos (1 for the
	// first, never reused), becomes the token's latest, and the oldest
	// lines beyond max are dropped and counted. A token's first line may
	// have any seq, 0 included. The sequence rule outlives dropped lines.
	AppendCaption(ctx context.Context, l Line, max int) (Appended, error)
	// Captions returns the kept lines of (event, channel) in Pos order
	// and the count of dropped ones; an unknown channel is an empty
	// Transcript, not an error.
	Captions(ctx context.Context, event, channel string) (Transcript, error)
	// DeleteCaptions deletes an event's lines, sequence cursors, drop
	// counters and tokens. Deleting nothing is no error.
	DeleteCaptions(ctx context.Context, event string) error
}
