// Package ballot owns the votes of a general assembly: the roll (members,
// presence, proxies), ballots (motions and elections) with the rules shown
// to voters before they vote (quorum, majority, abstentions, seating),
// eligibility (one ballot per A-status institution, cast by its delegate
// or by the holder of its proxy), the records of named and secret ballots,
// receipts, and verdicts computed with exact integer arithmetic (two
// thirds is 3 × yes ≥ 2 × cast; no float is ever involved).
//
// It declares the Store it consumes; implementations live in package
// store. It imports neither echo nor go-redis; it uses package
// institution for accreditation statuses only.
//
// # Life of a ballot
//
// A host prepares a ballot (draft), opens it (refused with ErrNoQuorum
// when the roll does not meet its quorum rule), delegates cast, the host
// closes it and the verdict (adopted, rejected, no-quorum; elected or tie)
// is recorded with its arithmetic: the quorum count at the close, the
// tally, and each integer Check with the rule's ID, so that a page renders
// it in any language. Refusals carry stable codes (Error.Code, CodeOf) and
// record nothing.
//
// # Secret ballots: threat model
//
// Goal: nobody — another delegate, a host, an organizer, an operator
// reading the store, the room log or the server logs after the fact — can
// learn what an institution voted in a secret ballot; each voter can check
// that their paper is in the published tally.
//
// Design. A cast writes two records that share only the ballot ID: the
// voters set (institution IDs: *that* it voted, for turnout and to refuse a
// second ballot) and the box (papers: a random 120-bit receipt code and a
// choice: *what* was voted). A paper carries no institution, no person, no
// time, no sequence; election choices are stored sorted, so they do not
// even keep the order of the clicks. The box's stored form is a function
// of its content (papers in receipt order, see Store), and casting never
// bumps the ballot's version, so no counter orders the papers either. The
// receipt is returned to the voter once (Service.Cast) and never stored
// beside the institution; after the close the papers are published in
// receipt order, and Verify finds a paper by its code (ErrForgedReceipt
// when no paper has it). While a secret ballot is open the room shows the
// turnout only (Turnout); room messages about a cast must carry no choice,
// no receipt and no institution, and the receipt travels only in the reply
// to the caster's own connection, never in the room log.
//
// Out of scope, by design or for now:
//   - an adversary watching the store live (Redis MONITOR, the AOF's
//     command order, bbolt's free pages over time, the network) can pair a
//     voters write with the box write of the same transaction; so can the
//     process memory of the serving instance. Defending against the
//     operator of a running instance needs cryptographic voting (mixnets,
//     homomorphic tallies), which this is not;
//   - coercion and vote selling: a receipt proves one's choice to whoever
//     sees it after the close. The assembly votes by institution, in a
//     forum whose members are accredited public bodies; we favour
//     verifiability. A voter who fears coercion need not show the code;
//   - a tiny electorate or a unanimous vote reveals choices arithmetically
//     (if everybody voted yes, each did); the turnout is public;
//   - a host who sees the turnout change in real time while watching one
//     delegate click learns that this delegate voted, not what.
//
// Named ballots publish each institution's vote (and the proxy holder who
// cast it) as it is cast (NamedVotes); a named vote may be changed until
// the close, a secret one not.
//
// # The roll is the assembly's record
//
// A roll is made from the registry with each member's accreditation as of
// the day the assembly meets (Config.Events). Until the assembly's first
// ballot opens, SyncRoll takes the registry's changes in; from then on the
// roll is frozen, so that a later accreditation decision, a new or a
// removed institution changes no ballot of the assembly, closed or to come.
//
// # Concurrency
//
// Values (Ballot, Roll, Verdict, Results) are plain data and not shared.
// Service is goroutine-safe as long as its Store is: the Store's
// CastSecret and CastNamed are atomic and conditional on the ballot's
// version, which only a state change (open, close) moves, so two casts for
// one institution from two tabs or two instances give one ballot, and a
// cast racing the close is either counted or refused with ErrClosed.
// Roll edits (roll call, proxies) are read-modify-write with versions,
// retried on conflict. Nothing here blocks except on the Store.
package ballot
