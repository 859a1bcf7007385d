package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/internal/usertext"
)

// ErrInvalid reports input that cannot be written as iCalendar.
var ErrInvalid = errors.New("calendar: invalid input")

// maxLine is the longest content line in octets, CRLF excluded
// (RFC 5545 §3.1: "Lines of text SHOULD NOT be longer than 75 octets").
const maxLine = 75

// propOrder orders properties per component the way calendar apps
// themselves write them (VERSION and PRODID first, UID first in a VEVENT,
// DTSTART first in an observance); RFC 5545 does not require an order, but
// some importers are happier with the usual one. Properties not listed
// follow, sorted by name.
var propOrder = map[string]map[string]int{
	ical.CompCalendar: rank(ical.PropVersion, ical.PropProductID, ical.PropCalendarScale, ical.PropMethod,
		ical.PropName, "X-WR-CALNAME", ical.PropRefreshInterval, "X-PUBLISHED-TTL"),
	ical.CompTimezone: rank(ical.PropTimezoneID),
	ical.CompTimezoneStandard: rank(ical.PropDateTimeStart, ical.PropRecurrenceRule,
		ical.PropTimezoneOffsetFrom, ical.PropTimezoneOffsetTo, ical.PropTimezoneName),
	ical.CompTimezoneDaylight: rank(ical.PropDateTimeStart, ical.PropRecurrenceRule,
		ical.PropTimezoneOffsetFrom, ical.PropTimezoneOffsetTo, ical.PropTimezoneName),
	ical.CompEvent: rank(ical.PropUID, ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd,
		ical.PropSequence, ical.PropStatus, ical.PropSummary, ical.PropDescription,
		ical.PropLocation, ical.PropURL, ical.PropCategories, ical.PropClass,
		ical.PropRelatedTo, ical.PropCreated, ical.PropLastModified),
}

func rank(names ...string) map[string]int {
	m := make(map[string]int, len(names))
	for i, n := range names {
		m[n] = i + 1
	}
	return m
}

// Encoder writes iCalendar objects as content lines (RFC 5545 §3.1):
// properties in a conventional order, TEXT already escaped by go-ical's
// Prop.SetText, parameter values quoted when needed (§3.2), every line
// folded at 75 octets without splitting a UTF-8 sequence and ended by CRLF.
type Encoder struct {
	w   io.Writer
	buf []byte
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes cal. Nothing is written when cal holds an invalid name or
// value (a control character, a double quote in a parameter value, invalid
// UTF-8); the error then wraps ErrInvalid.
func (enc *Encoder) Encode(cal *ical.Calendar) error {
	if cal == nil || cal.Component == nil {
		return fmt.Errorf("calendar: encode: no calendar: %w", ErrInvalid)
	}
	enc.buf = enc.buf[:0]
	if err := enc.component(cal.Component); err != nil {
		return err
	}
	_, err := enc.w.Write(enc.buf)
	return err
}

// Marshal returns cal encoded by an Encoder.
func Marshal(cal *ical.Calendar) ([]byte, error) {
	var b bytes.Buffer
	if err := NewEncoder(&b).Encode(cal); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (enc *Encoder) component(c *ical.Component) error {
	if !validName(c.Name) {
		return fmt.Errorf("calendar: component name %q: %w", c.Name, ErrInvalid)
	}
	enc.buf = appendFolded(enc.buf, "BEGIN:"+c.Name)
	names := make([]string, 0, len(c.Props))
	for name := range c.Props {
		names = append(names, name)
	}
	order := propOrder[c.Name]
	slices.SortFunc(names, func(a, b string) int {
		ra, rb := order[a], order[b]
		switch {
		case ra != 0 && rb != 0 && ra != rb:
			return ra - rb
		case ra != 0 && rb == 0:
			return -1
		case ra == 0 && rb != 0:
			return 1
		}
		return strings.Compare(a, b)
	})
	var line strings.Builder
	for _, name := range names {
		for _, p := range c.Props[name] {
			line.Reset()
			if err := writeProp(&line, name, p); err != nil {
				return err
			}
			enc.buf = appendFolded(enc.buf, line.String())
		}
	}
	for _, child := range c.Children {
		if err := enc.component(child); err != nil {
			return err
		}
	}
	enc.buf = appendFolded(enc.buf, "END:"+c.Name)
	return nil
}

// writeProp writes one unfolded content line (RFC 5545 §3.1):
// name *(";" param) ":" value, parameters sorted by name.
func writeProp(b *strings.Builder, name string, p ical.Prop) error {
	if !validName(name) {
		return fmt.Errorf("calendar: property name %q: %w", name, ErrInvalid)
	}
	b.WriteString(name)
	params := make([]string, 0, len(p.Params))
	for k := range p.Params {
		params = append(params, k)
	}
	slices.Sort(params)
	for _, k := range params {
		if !validName(k) {
			return fmt.Errorf("calendar: %s: parameter name %q: %w", name, k, ErrInvalid)
		}
		b.WriteByte(';')
		b.WriteString(k)
		b.WriteByte('=')
		for i, v := range p.Params[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			// §3.1: param-value = paramtext / quoted-string; neither may
			// hold a DQUOTE or a control character other than HTAB.
			if !validValue(v) || strings.ContainsRune(v, '"') {
				return fmt.Errorf("calendar: %s;%s: bad parameter value %q: %w", name, k, v, ErrInvalid)
			}
			if strings.ContainsAny(v, ";:,") {
				b.WriteByte('"')
				b.WriteString(v)
				b.WriteByte('"')
			} else {
				b.WriteString(v)
			}
		}
	}
	b.WriteByte(':')
	if !validValue(p.Value) {
		return fmt.Errorf("calendar: %s: value contains a control character or invalid UTF-8: %w", name, ErrInvalid)
	}
	b.WriteString(p.Value)
	return nil
}

// validName reports whether s is an iana-token or x-name (RFC 5545 §3.1).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validValue reports whether s is made of VALUE-CHARs (RFC 5545 §3.1):
// valid UTF-8 with no control character other than HTAB.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}

// appendFolded appends line to dst folded per RFC 5545 §3.1: at most 75
// octets per physical line, continuation lines starting with one space,
// each line ended by CRLF. A cut never falls inside a UTF-8 sequence, so
// every physical line is valid UTF-8 on its own (Arabic letters take two
// octets, emoji four).
func appendFolded(dst []byte, line string) []byte {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && line[cut]&0xC0 == 0x80 { // continuation byte
			cut--
		}
		dst = append(dst, line[:cut]...)
		dst = append(dst, "\r\n "...)
		line = line[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	dst = append(dst, line...)
	return append(dst, "\r\n"...)
}

// Unfold undoes RFC 5545 §3.1 folding: every line break (CRLF, or a bare
// LF as some producers write) followed by one space or tab is removed.
func Unfold(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\r' && i+2 < len(data) && data[i+1] == '\n' && (data[i+2] == ' ' || data[i+2] == '\t') {
			i += 2
			continue
		}
		if c == '\n' && i+1 < len(data) && (data[i+1] == ' ' || data[i+1] == '\t') {
			i++
			continue
		}
		out = append(out, c)
	}
	return out
}

// cleanText makes user text safe for a TEXT value (RFC 5545 §3.3.11):
// usertext.Clean in Block form, so every line break is one LF (which
// escaping then writes as \n), control characters other than TAB and the
// bidirectional overrides and isolates are gone, and invalid UTF-8 is
// U+FFFD. The result can be escaped with go-ical's Prop.SetText and can
// never break a content line.
func cleanText(s string) string { return usertext.Clean(s, usertext.Block) }

// setText sets a TEXT property (RFC 5545 §3.3.11) from user text.
func setText(props ical.Props, name, text string) {
	p := ical.NewProp(name)
	p.SetText(cleanText(text))
	p.Params.Del(ical.ParamValue) // TEXT is the default, also for X- names
	props.Set(p)
}
