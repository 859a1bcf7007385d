// Package caption owns live captions that come from outside the room — a
// human captioner (CART) or a speech-recognition service — and their
// export after the session.
//
// Captions in: an organizer creates a caption Token for one event and one
// channel (the floor or a language); only a SHA-256 hash of its secret is
// stored, and it can be revoked. The captioner POSTs plain text with a
// sequence number and a language, as Zoom's third-party captioning API
// does (ParseIngest reads such a request; Service.Ingest applies the
// rules): sequence numbers increase per (event, channel, token), a repeated
// one is an idempotent duplicate, a lower one is refused with
// ErrSeqOutOfOrder; each token has a rate limit (a token bucket). Every
// cause of a refused token — unknown, malformed, expired, revoked, for
// another event or channel — is the same ErrUnauthorized, so that a token
// reveals nothing about events it does not belong to.
//
// Captions out: WriteVTT renders one channel as W3C WebVTT (voice spans
// with the speaker's name, times from the session's start, cues that never
// overlap) and WriteTranscript as plain text.
//
// It declares the Store it consumes; implementations live in package
// store (caption/captiontest is the conformance suite every
// implementation passes). It imports neither echo nor go-redis.
//
// Concurrency: values (Line, Token, Post) are plain data and not shared.
// Service is goroutine-safe as long as its Store is: the sequence rule is
// enforced by the Store's atomic AppendCaption, never by locks held here,
// and the rate per token is counted by Config.Limits (the shared store
// in a scale-out deployment: N instances allow the rate once, not N
// times).
// WriteVTT and WriteTranscript are pure functions of their input.
package caption
