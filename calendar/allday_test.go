package calendar

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

// An imported all-day event goes out as whole days again (VALUE=DATE),
// as go-ical and Python's icalendar both read it, with its source named
// in the description.
func TestAllDayRoundTrip(t *testing.T) {
	py := python(t)
	nairobi, _ := time.LoadLocation("Africa/Nairobi")
	start := time.Date(2027, 3, 10, 0, 0, 0, 0, nairobi)
	e := agenda.Event{ID: agenda.ImportedID("nanhri", "retreat@nanhri", ""), Kind: agenda.KindRegional, Region: agenda.RegionAfrica,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: "Africa/Nairobi",
		Start: start.UTC(), End: start.AddDate(0, 0, 2).UTC(), AllDay: true, Title: agenda.Text{"en": "NANHRI retreat"},
		Origin: &agenda.Origin{Source: "nanhri", Name: "NANHRI calendar", UID: "retreat@nanhri"}}
	data := encode(t, Feed{Lang: "fr", Events: []agenda.Event{e}})
	_, byUID := decode(t, data)
	v := byUID[Feed{}.UID(e.ID)]
	if v == nil {
		t.Fatalf("event missing:\n%s", data)
	}
	for name, want := range map[string]string{"DTSTART": "20270310", "DTEND": "20270312"} {
		p := v.Props.Get(name)
		if p == nil || p.Value != want || p.Params.Get("VALUE") != "DATE" || p.Params.Get("TZID") != "" {
			t.Fatalf("%s = %+v, want VALUE=DATE:%s", name, p, want)
		}
	}
	if d := text(t, v, "DESCRIPTION"); !strings.Contains(d, "Source : NANHRI calendar") {
		t.Fatalf("description %q does not name the source", d)
	}
	path := filepath.Join(t.TempDir(), "allday.ics")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", `
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], "rb").read())
ev = next(iter(cal.walk("VEVENT")))
s, e = ev.decoded("DTSTART"), ev.decoded("DTEND")
print(json.dumps({"start": s.isoformat(), "end": e.isoformat(), "date": not hasattr(s, "hour")}))
`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got struct {
		Start, End string
		Date       bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !got.Date || got.Start != "2027-03-10" || got.End != "2027-03-12" {
		t.Fatalf("python reads %+v, want the dates 2027-03-10 to 2027-03-12", got)
	}
}
