package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type fitBody struct {
	Region     string `json:"region"`
	Zone       string `json:"zone"`
	Abbrev     string `json:"zone_abbreviation"`
	LocalStart string `json:"local_start"`
	LocalEnd   string `json:"local_end"`
	Inside     bool   `json:"inside_working_hours"`
	Outside    int    `json:"minutes_outside"`
}

type slotBody struct {
	Start   string    `json:"start"`
	Worst   int       `json:"worst_stretch_minutes"`
	Clashes int       `json:"clashes"`
	Regions []fitBody `json:"regions"`
}

type slotsBody struct {
	Zone       string `json:"zone"`
	From       string `json:"from"`
	Candidates int    `json:"candidates"`
	Hours      []struct {
		Region, Zone, Start, End string
		Days                     []string
	} `json:"working_hours"`
	Slots []slotBody `json:"slots"`
}

func (f *fixture) slots(query, token string) slotsBody {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/slots?" + query, token: token})
	if r.status != http.StatusOK {
		f.t.Fatalf("slots?%s: %d %s", query, r.status, r.body)
	}
	var b slotsBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		f.t.Fatal(err)
	}
	return b
}

func TestSlotsAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all := f.slots("date=2021-07-01&duration=PT1H30M&limit=100", "")
	if all.Candidates != 48 || len(all.Slots) != 48 || all.Zone != "UTC" || all.From != "2021-07-01T00:00:00Z" {
		t.Fatalf("%d candidates, %d slots, zone %s from %s; want 48 of the UTC day", all.Candidates, len(all.Slots), all.Zone, all.From)
	}
	if len(all.Hours) != 4 || all.Hours[2].Zone != "Australia/Sydney" || all.Hours[2].Start != "08:00" || all.Hours[2].End != "20:00" ||
		!slices.Equal(all.Hours[2].Days, []string{"mon", "tue", "wed", "thu", "fri"}) {
		t.Errorf("working hours: %+v", all.Hours)
	}
	rank := slices.IndexFunc(all.Slots, func(s slotBody) bool {
		return s.Start == "2021-07-01T14:30:00Z"
	})
	if rank < 36 {
		t.Errorf("the 2021 consultation's start ranks %d of 48; want it in the last quarter", rank+1)
	}
	consultation := all.Slots[rank]
	got := map[string]string{}
	for _, r := range consultation.Regions {
		got[r.Region] = r.LocalStart + " " + r.Zone + " " + r.Abbrev
		if inside := r.Region != "asia-pacific"; r.Inside != inside || (r.Outside == 0) != inside {
			t.Errorf("%s: inside %v, %d min outside", r.Region, r.Inside, r.Outside)
		}
	}
	want := map[string]string{
		"africa":       "2021-07-01T17:30:00+03:00 Africa/Nairobi EAT",
		"americas":     "2021-07-01T09:30:00-05:00 America/Mexico_City CDT",
		"asia-pacific": "2021-07-02T00:30:00+10:00 Australia/Sydney AEST",
		"europe":       "2021-07-01T16:30:00+02:00 Europe/Brussels CEST",
	}
	for r, w := range want {
		if got[r] != w {
			t.Errorf("%s: %q, want %q", r, got[r], w)
		}
	}

	if n := len(f.slots("date=2021-07-01&duration=90m", "").Slots); n != 10 {
		t.Errorf("default limit: %d slots, want 10", n)
	}
	zurich := f.slots("date=2026-10-25&duration=1h&zone=Europe/Zurich&step=60m&regions=europe,asia-pacific&limit=100", "")
	if zurich.From != "2026-10-24T22:00:00Z" || zurich.Candidates != 25 || len(zurich.Slots[0].Regions) != 2 {
		t.Errorf("Zurich's 25-hour day: from %s, %d candidates", zurich.From, zurich.Candidates)
	}
}

// TestSlotClashesNeverLeak: clash counts come from the events the caller
// may see only.
func TestSlotClashesNeverLeak(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.create(`{"id":"reprisals","kind":"webinar","title":{"en":"Reprisals case"},"start":"2027-03-01T09:00:00Z","end":"2027-03-01T10:00:00Z",
		"timezone":"Europe/Brussels","region":"europe","visibility":"confidential","status":"published"}`, f.alice)
	f.create(`{"id":"members","kind":"webinar","title":{"en":"Members briefing"},"start":"2027-03-01T12:00:00Z","end":"2027-03-01T13:00:00Z",
		"timezone":"Europe/Brussels","region":"europe","visibility":"members","status":"published"}`, f.alice)
	tests := []struct {
		name        string
		token       string
		at9, atNoon int
	}{
		{"anonymous", "", 0, 0},
		{"another organizer", f.bob, 0, 1},
		{"the owner", f.alice, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := f.slots("date=2027-03-01&duration=60m&regions=europe&step=60m&limit=100", tt.token)
			got := map[string]int{}
			for _, s := range b.Slots {
				got[s.Start] = s.Clashes
			}
			if got["2027-03-01T09:00:00Z"] != tt.at9 || got["2027-03-01T12:00:00Z"] != tt.atNoon {
				t.Errorf("clashes at 09:00 and 12:00: %d and %d, want %d and %d", got["2027-03-01T09:00:00Z"], got["2027-03-01T12:00:00Z"], tt.at9, tt.atNoon)
			}
		})
	}
}

func TestSlotsAPIRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ok := "date=2027-03-01&duration=90m"
	tests := []struct {
		name, query, code, field string
	}{
		{"no date", "duration=90m", "invalid", "date"},
		{"not a date", "date=2027-02-30&duration=90m", "invalid", "date"},
		{"a time, not a date", "date=2027-03-01T10:00:00Z&duration=90m", "invalid", "date"},
		{"no duration", "date=2027-03-01", "invalid", "duration"},
		{"too short", "date=2027-03-01&duration=10m", "invalid", "duration"},
		{"too long", "date=2027-03-01&duration=PT13H", "invalid", "duration"},
		{"seconds", "date=2027-03-01&duration=90m30s", "invalid", "duration"},
		{"not a duration", "date=2027-03-01&duration=long", "invalid", "duration"},
		{"unknown region", ok + "&regions=africa,antarctica", "invalid", "regions"},
		{"repeated region", ok + "&regions=europe,europe", "invalid", "regions"},
		{"huge region list", ok + "&regions=" + strings.Repeat("europe,", 40), "invalid", "regions"},
		{"odd step", ok + "&step=7m", "invalid", "step"},
		{"limit zero", ok + "&limit=0", "invalid", "limit"},
		{"limit too big", ok + "&limit=1000", "invalid", "limit"},
		{"unknown zone", ok + "&zone=Mars/Olympus", "invalid", "zone"},
		{"unknown parameter", ok + "&when=noon", "unknown_parameter", "when"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/api/v1/slots?" + tt.query})
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.status, r.body)
			}
			code, fields := errorOf(t, r)
			if code != tt.code || fields[tt.field] == "" {
				t.Errorf("code %q fields %v; want %q naming %q", code, fields, tt.code, tt.field)
			}
		})
	}
}

type clashesBody struct {
	Clashes []struct {
		Event struct {
			ID string `json:"id"`
		} `json:"event"`
		Start   string `json:"overlap_start"`
		End     string `json:"overlap_end"`
		Minutes int    `json:"overlap_minutes"`
	} `json:"clashes"`
}

func clashIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var b clashesBody
	if err := json.Unmarshal(body, &b); err != nil || b.Clashes == nil {
		t.Fatalf("no clashes array in %s (%v)", body, err)
	}
	ids := []string{}
	for _, c := range b.Clashes {
		ids = append(ids, c.Event.ID)
	}
	return ids
}

func TestClashesAPI(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ev := func(id, region, vis, status, start, end string) string {
		return `{"id":"` + id + `","kind":"webinar","title":{"en":"` + id + `"},"start":"` + start + `","end":"` + end +
			`","timezone":"Europe/Brussels","region":"` + region + `","visibility":"` + vis + `","status":"` + status + `"}`
	}
	f.create(ev("global-briefing", "global", "public", "published", "2027-03-01T09:30:00Z", "2027-03-01T10:30:00Z"), f.bob)
	f.create(ev("bobs-confidential", "europe", "confidential", "published", "2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z"), f.bob)
	f.create(ev("africa-draft", "africa", "public", "draft", "2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z"), f.bob)
	f.create(ev("europe-draft", "europe", "public", "draft", "2027-03-01T08:00:00Z", "2027-03-01T09:00:00Z"), f.bob)

	// Creating an event answers with its clashes; the write is not blocked.
	r := f.do(req{method: "POST", path: "/api/v1/events", token: f.alice,
		body: strings.Replace(ev("alices-webinar", "europe", "public", "published", "2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z"), `"id":"alices-webinar",`, "", 1)})
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct{ ID string }
	_ = json.Unmarshal(r.body, &created)
	f.rename(created.ID, "alices-webinar") // the API assigns IDs; the test names its events
	if got := clashIDs(t, r.body); !slices.Equal(got, []string{"global-briefing"}) {
		t.Errorf("clashes on create: %v, want only the global briefing (the confidential one is Bob's, the draft is Africa's, the other draft ends at 09:00)", got)
	}
	var b clashesBody
	_ = json.Unmarshal(r.body, &b)
	if c := b.Clashes[0]; c.Start != "2027-03-01T09:30:00Z" || c.End != "2027-03-01T10:00:00Z" || c.Minutes != 30 {
		t.Errorf("overlap %s–%s (%d min), want 09:30–10:00 (30)", c.Start, c.End, c.Minutes)
	}

	tests := []struct {
		name, event, token string
		status             int
		want               []string
	}{
		{"the owner of the confidential event sees it", "alices-webinar", f.bob, 200, []string{"bobs-confidential", "global-briefing"}},
		{"another organizer does not", "alices-webinar", f.alice, 200, []string{"global-briefing"}},
		{"anonymous callers see public clashes", "alices-webinar", "", 200, []string{"global-briefing"}},
		{"a global event clashes with every region, drafts included for organizers", "global-briefing", f.alice, 200, []string{"africa-draft", "alices-webinar"}},
		{"drafts are not shown to anonymous callers", "global-briefing", "", 200, []string{"alices-webinar"}},
		{"the confidential event's clashes are hidden like the event", "bobs-confidential", f.alice, 404, nil},
		{"a draft's clashes are hidden from anonymous callers", "europe-draft", "", 404, nil},
		{"no such event", "nothing-here", f.alice, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(req{method: "GET", path: "/api/v1/events/" + url.PathEscape(tt.event) + "/clashes", token: tt.token})
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status != 200 {
				if code, _ := errorOf(t, r); code != "not_found" {
					t.Errorf("code %q", code)
				}
				return
			}
			if got := clashIDs(t, r.body); !slices.Equal(got, tt.want) {
				t.Errorf("clashes %v, want %v", got, tt.want)
			}
		})
	}

	// Moving the event away answers with no clashes (an empty array).
	r = f.do(req{method: "PATCH", path: "/api/v1/events/alices-webinar", token: f.alice, header: map[string]string{"If-Match": `"e1"`},
		body: `{"start":"2027-03-01T11:00:00Z","end":"2027-03-01T12:00:00Z"}`})
	if r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if got := clashIDs(t, r.body); len(got) != 0 {
		t.Errorf("clashes after the move: %v", got)
	}
	// GET keeps the plain event shape.
	if r := f.do(req{method: "GET", path: "/api/v1/events/alices-webinar"}); strings.Contains(string(r.body), `"clashes"`) {
		t.Errorf("GET carries clashes: %s", r.body)
	}
}

var chartRow = regexp.MustCompile(`(?s)<tr><th scope="row">([^<]*)<br>.*?</th>(.*?)</tr>`)
var chartCell = regexp.MustCompile(`<td class="(\w+)" title="[^"]*">([0-9:]+)</td>`)

// chart reads the planning page's chart: region label → cells as
// "kind hour".
func chart(t *testing.T, body string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, m := range chartRow.FindAllStringSubmatch(body, -1) {
		for _, c := range chartCell.FindAllStringSubmatch(m[2], -1) {
			out[m[1]] = append(out[m[1]], c[1]+" "+c[2])
		}
	}
	if len(out) == 0 {
		t.Fatalf("no chart in:\n%s", body)
	}
	return out
}

func TestSlotsPage(t *testing.T) {
	ts := pageServer(t)
	r := get(t, ts, "/slots?date=2021-07-01&duration=90m&tz=Europe/Zurich&lang=en")
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	// 16:00 in Geneva: the column of the 2021 consultation's start.
	c := chart(t, r.body)
	for region, want := range map[string]string{
		"Africa (NANHRI)":    "working 17",
		"Americas (RINDHCA)": "working 09",
		"Asia-Pacific (APF)": "night 00",
		"Europe (ENNHRI)":    "working 16",
	} {
		if len(c[region]) != 24 || c[region][16] != want {
			t.Errorf("%s at 16:00 Geneva: %v, want %q in 24 hours", region, c[region], want)
		}
	}
	mustContain(t, "page", visible(r.body), "Plan a meeting across the regions", "Thursday 1 July 2021",
		"Asia-Pacific (APF) Australia/Sydney (UTC+10:00) 08:00–20:00",
		"Your time Europe/Zurich (UTC+02:00)", "Thursday 1 July 2021 in your time zone, Europe/Zurich (UTC+02:00), best first", "Working hours", "Outside working hours", "Night", "Best start times")
	// The best start asks least of its worst-off region: 12:30 in Geneva,
	// 05:30 in Mexico City (at night), 20:30 in Sydney (after hours).
	best := regexp.MustCompile(`(?s)<li class="slot">(.*?)</li>\s*</ul>`).FindStringSubmatch(r.body)
	if best == nil {
		t.Fatal("no slots listed")
	}
	mustContain(t, "best slot", visible(best[1]), "12:30–14:00 Europe/Zurich (UTC+02:00)",
		"Americas (RINDHCA): 05:30–07:00 America/Mexico_City (UTC-05:00) — 90 min at night",
		"Asia-Pacific (APF): 20:30–22:00 Australia/Sydney (UTC+10:00) — 90 min outside working hours",
		"Europe (ENNHRI): 12:30–14:00 Europe/Brussels (UTC+02:00) — within working hours")
	mustContain(t, "markup", r.body, `<input type="checkbox" name="regions" value="asia-pacific" checked>`,
		`<input type="checkbox" name="regions" value="global">`)

	t.Run("arabic", func(t *testing.T) {
		r := get(t, ts, "/slots?date=2021-07-01&duration=90m&tz=Europe/Zurich&lang=ar")
		mustContain(t, "markup", r.body, `<html lang="ar" dir="rtl">`)
		mustContain(t, "page", visible(r.body), "تخطيط اجتماع بين المناطق", "الليل", "90 دقيقة ليلًا", "ضمن ساعات العمل")
		// Clock ranges are isolated left to right, or the bidi algorithm
		// shows 12:30–14:00 as 14:00–12:30.
		mustContain(t, "markup", r.body, "\u206612:30–14:00\u2069", "\u206608:00–20:00\u2069")
	})
	t.Run("language links keep the search", func(t *testing.T) {
		mustContain(t, "links", r.body, `date=2021-07-01`, `duration=90m`)
	})
	t.Run("a 25-hour day in Brussels", func(t *testing.T) {
		r := get(t, ts, "/slots?date=2026-10-25&duration=60m&tz=Europe/Brussels&regions=europe&regions=asia-pacific&lang=fr")
		if n := strings.Count(r.body, `<th scope="col" class="hour">`); n != 25 {
			t.Errorf("%d hour columns, want 25", n)
		}
		if c := chart(t, r.body); len(c) != 2 || len(c["Asie-Pacifique (APF)"]) != 25 {
			t.Errorf("rows %v", c)
		}
	})
	t.Run("linked from the calendar", func(t *testing.T) {
		mustContain(t, "home", get(t, ts, "/?lang=en").body, `<a href="/slots">Find a time that suits every region</a>`)
	})
	for _, tt := range []struct{ query, param string }{
		{"date=2021-02-30", "parameter date"},
		{"date=2021-07-01&duration=5m", "parameter duration"},
		{"date=2021-07-01&regions=mars", "parameter regions"},
	} {
		t.Run("bad "+tt.param, func(t *testing.T) {
			r := get(t, ts, "/slots?lang=en&"+tt.query)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d", r.status)
			}
			mustContain(t, "error page", visible(r.body), tt.param)
		})
	}
}
