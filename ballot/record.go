package ballot

import (
	"encoding/base32"
	"fmt"
	"io"
	"strings"
)

// Paper is one paper in a secret ballot's box: a receipt and a choice,
// nothing else (no institution, no time, no sequence).
type Paper struct {
	Receipt string `json:"receipt"`
	Choice  Choice `json:"choice"`
}

// Vote is one institution's vote in a named ballot, published as is.
type Vote struct {
	Institution string `json:"institution"`
	// Via is the proxy holder that cast it, if any.
	Via    string `json:"via,omitempty"`
	Choice Choice `json:"choice"`
}

// Receipt is what a voter gets back from a cast. It is sent to the voter
// only and never stored: the Service returns it and forgets it.
type Receipt struct {
	Ballot      string `json:"ballot"`
	Institution string `json:"institution"`
	Via         string `json:"via,omitempty"`
	// Code is the paper's receipt code (secret ballots only): after the
	// close, the published papers list it with its choice.
	Code string `json:"code,omitempty"`
	// Choice is the choice as recorded (candidates sorted).
	Choice Choice `json:"choice"`
}

// Turnout is what a room shows while a ballot is open.
type Turnout struct {
	Ballot string `json:"ballot"`
	// Voted counts the institutions that voted.
	Voted int `json:"voted"`
	// Eligible counts the A-status members of the assembly.
	Eligible int `json:"eligible"`
}

// Results are a closed ballot's public record.
type Results struct {
	Ballot Ballot `json:"ballot"`
	// Voters lists the institutions that voted, sorted (named and secret).
	Voters []string `json:"voters"`
	// Papers of a secret ballot, sorted by receipt: a voter finds their
	// own by its code; nothing links a paper to an institution.
	Papers []Paper `json:"papers,omitempty"`
	// Votes of a named ballot, sorted by institution.
	Votes []Vote `json:"votes,omitempty"`
}

// receiptBytes of randomness: 120 bits, 24 base32 characters, so guessing
// another voter's receipt is hopeless and collisions do not happen.
const receiptBytes = 15

var receiptEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newReceipt returns a random receipt code "ABCD-EFGH-…" (six groups).
func newReceipt(rnd io.Reader) (string, error) {
	var b [receiptBytes]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("ballot: no randomness for a receipt: %w", err)
	}
	return group(receiptEncoding.EncodeToString(b[:])), nil
}

func group(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			sb.WriteByte('-')
		}
		sb.WriteString(s[i:min(i+4, len(s))])
	}
	return sb.String()
}

// NormalizeReceipt returns a receipt code as printed (upper case, grouped
// by four), accepting lower case, spaces and missing hyphens; false when s
// cannot be a receipt.
func NormalizeReceipt(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	s = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
	// Exactly 24 characters: the decoder also takes 25 (the extra bits
	// dropped), which would give one paper two spellings.
	if len(s) != receiptEncoding.EncodedLen(receiptBytes) {
		return "", false
	}
	if b, err := receiptEncoding.DecodeString(s); err != nil || len(b) != receiptBytes {
		return "", false
	}
	return group(s), true
}
