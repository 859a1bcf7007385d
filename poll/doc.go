// Package poll owns a webinar's polls: a question with two to ten options
// in the alliance's languages, one choice or several; the polls an
// organizer prepares for an event before it (a Set, versioned), and the
// anonymous record of the answers given in the room (a Tally).
//
// It declares the Store it consumes; implementations live in package
// store. The room (package realtime) runs polls live: it opens and closes
// them and records each answer with Store.AnswerPoll.
//
// # Anonymity
//
// An answer is recorded as two things that share only the poll: the key
// of whoever answered (a one-way hash the room makes of the member's
// identity and the poll, so that a second answer is refused across
// reconnects and instances), kept in a set with no order, and the counts
// per option. Nothing stores which key chose what, and the room's log
// holds no answer. As for secret ballots (package ballot), an operator
// watching the store live could pair the two writes of one answer; a tiny
// audience or a unanimous answer reveals choices arithmetically.
//
// # Concurrency
//
// Values are plain data. Store implementations are goroutine-safe, and
// AnswerPoll is atomic: two answers with one key give one answer.
package poll
