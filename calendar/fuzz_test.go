package calendar

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/majlis/majlis/agenda"
)

// FuzzTextSurvives feeds arbitrary titles and descriptions (commas,
// semicolons, backslashes, CR/LF, control characters, Arabic, emoji,
// invalid UTF-8) through a feed: every physical line stays within 75
// octets and valid UTF-8, nothing breaks out of its property, and
// unfolding and unescaping give back exactly the cleaned text.
func FuzzTextSurvives(f *testing.F) {
	for _, s := range []string{
		"Réunion annuelle; ordre du jour, version 2\\final",
		"الاجتماع السنوي للتحالف: جدول الأعمال، البند ٣",
		"line one\r\nline two\rline three\nline four",
		"END:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:injected",
		"tab\there\x00nul\x1besc\u0085nel\u2028ls",
		strings.Repeat("🎤", 40) + strings.Repeat("ع", 60),
		"\xff\xfe invalid",
		"",
	} {
		f.Add(s, s+s)
	}
	f.Fuzz(func(t *testing.T, title, description string) {
		e := agenda.Event{ID: "fuzz", Kind: agenda.KindWebinar, Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic,
			Status: agenda.StatusPublished, TimeZone: "Europe/Zurich", Languages: []string{"ar", "en"},
			Start: time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC),
			Title: agenda.Text{"en": title}, Description: agenda.Text{"en": description}, Location: agenda.Text{"en": title}}
		data, err := Feed{Lang: "en", Events: []agenda.Event{e}}.Encode()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n")) {
			if len(line) > maxLine || !utf8.Valid(line) || bytes.ContainsAny(line, "\r\n") {
				t.Fatalf("line %d breaks framing: %q", i+1, line)
			}
		}
		cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, data)
		}
		events := cal.Events()
		if len(events) != 1 {
			t.Fatalf("%d events: something was injected\n%s", len(events), data)
		}
		v := events[0]
		for _, c := range []struct{ prop, want string }{
			{ical.PropSummary, cleanText(title)},
			{ical.PropLocation, cleanText(title)},
		} {
			if strings.TrimSpace(c.want) == "" && c.prop == ical.PropLocation {
				continue // an empty location becomes "Online"
			}
			got, err := v.Props.Text(c.prop)
			if err != nil || got != c.want {
				t.Fatalf("%s: %q (%v), want %q", c.prop, got, err, c.want)
			}
		}
		desc, err := v.Props.Text(ical.PropDescription)
		if err != nil || !strings.HasPrefix(desc, cleanText(description)) && strings.TrimSpace(description) != "" {
			t.Fatalf("DESCRIPTION %q (%v) does not start with %q", desc, err, cleanText(description))
		}
		if len(v.Props.Values(ical.PropSummary)) != 1 || len(v.Props.Values(ical.PropDescription)) != 1 {
			t.Fatal("a property was duplicated")
		}
	})
}

// TestFoldUnfold checks folding on its own over multilingual lines of
// every length around the limit.
func TestFoldUnfold(t *testing.T) {
	parts := []string{"a", "é", "ع", "🎤", "漢", ",", ";", "\\"}
	for n := 60; n < 260; n++ {
		var b strings.Builder
		b.WriteString("SUMMARY:")
		for i := 0; b.Len() < n; i++ {
			b.WriteString(parts[(i*7+n)%len(parts)])
		}
		line := b.String()
		folded := appendFolded(nil, line)
		for _, l := range bytes.Split(bytes.TrimSuffix(folded, []byte("\r\n")), []byte("\r\n")) {
			if len(l) > maxLine || !utf8.Valid(l) {
				t.Fatalf("n=%d: bad physical line %q", n, l)
			}
		}
		if got := string(bytes.TrimSuffix(Unfold(folded), []byte("\r\n"))); got != line {
			t.Fatalf("n=%d: unfold gives %q, want %q", n, got, line)
		}
	}
}

// BenchmarkFeed5000 builds and encodes a feed of 5,000 events in four
// zones, each with a two-item agenda.
func BenchmarkFeed5000(b *testing.B) {
	zones := []string{"Europe/Zurich", "Africa/Nairobi", "America/Mexico_City", "Australia/Sydney"}
	start := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
	f := Feed{Lang: "fr", BaseURL: "https://majlis.example.org", Agendas: map[string]agenda.Agenda{}}
	for i := range 5000 {
		s := start.Add(time.Duration(i) * 3 * time.Hour)
		e := agenda.Event{ID: "bench-" + strconv.Itoa(i), Kind: agenda.KindWebinar, Region: agenda.RegionAfrica,
			Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: zones[i%4],
			Languages: []string{"ar", "en", "fr", "es"}, Start: s, End: s.Add(90 * time.Minute), Updated: start,
			Title: agenda.Text{"en": "Webinar " + strconv.Itoa(i), "fr": "Webinaire " + strconv.Itoa(i) + " sur l'espace civique"}}
		f.Events = append(f.Events, e)
		f.Agendas[e.ID] = agenda.Agenda{EventID: e.ID, Items: []agenda.Item{
			{ID: "a", Title: agenda.Text{"fr": "Ouverture"}, Start: s, Minutes: 30},
			{ID: "b", Title: agenda.Text{"fr": "Débat"}, Start: s.Add(30 * time.Minute), Minutes: 60},
		}}
	}
	b.ReportAllocs()
	var size int
	for b.Loop() {
		data, err := f.Encode()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "bytes/feed")
}
