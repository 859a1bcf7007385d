package calendar

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
)

// TestConferenceInFeeds checks that an event's video meeting address goes
// out as RFC 7986 CONFERENCE;VALUE=URI;FEATURE=VIDEO, read back by Python's
// icalendar and by go-ical, and only in feeds whose audience sees the
// event (a members-only event's address is not in the public feed).
func TestConferenceInFeeds(t *testing.T) {
	py := python(t)
	// A long address: the line is folded and must come back whole.
	public := "https://meet.example.org/j/8123456789?pwd=" + strings.Repeat("Ab9", 40) + "&lang=ar,fr"
	members := "https://meet.example.org/j/members-only-room"
	at := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	events := []agenda.Event{
		{ID: "open-webinar", Kind: agenda.KindWebinar, Region: agenda.RegionAfrica, Visibility: agenda.VisibilityPublic,
			Status: agenda.StatusPublished, TimeZone: "Africa/Nairobi", Start: at, End: at.Add(time.Hour),
			Title: agenda.Text{"en": "Open webinar"}, Updated: demoNow, Conference: public},
		{ID: "members-webinar", Kind: agenda.KindWebinar, Region: agenda.RegionAfrica, Visibility: agenda.VisibilityMembers,
			Status: agenda.StatusPublished, TimeZone: "Africa/Nairobi", Start: at, End: at.Add(time.Hour),
			Title: agenda.Text{"en": "Members webinar"}, Updated: demoNow, Conference: members},
		{ID: "no-video", Kind: agenda.KindWebinar, Region: agenda.RegionAfrica, Visibility: agenda.VisibilityPublic,
			Status: agenda.StatusPublished, TimeZone: "Africa/Nairobi", Start: at, End: at.Add(time.Hour),
			Title: agenda.Text{"en": "Without video"}, Updated: demoNow},
	}
	dir := t.TempDir()
	audiences := []agenda.Visibility{agenda.VisibilityPublic, agenda.VisibilityMembers}
	var paths []string
	var feeds [][]byte
	for _, aud := range audiences {
		data := encode(t, Feed{Name: demoName(), Lang: "en", Audience: aud, Events: events})
		p := filepath.Join(dir, string(aud)+".ics")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths, feeds = append(paths, p), append(feeds, data)
	}
	out, err := exec.Command(py, append([]string{filepath.Join("testdata", "icalendar_dump.py")}, paths...)...).Output()
	if err != nil {
		t.Fatalf("python icalendar: %v", err)
	}
	var got []struct {
		Events []struct {
			UID, Conference  string
			ConferenceParams map[string]string `json:"conference_params"`
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	want := []map[string]string{
		{"open-webinar@majlis": public, "no-video@majlis": ""},
		{"open-webinar@majlis": public, "members-webinar@majlis": members, "no-video@majlis": ""},
	}
	for i, aud := range audiences {
		t.Run(string(aud), func(t *testing.T) {
			seen := map[string]string{}
			_, byUID := decode(t, feeds[i])
			for _, e := range got[i].Events {
				seen[e.UID] = e.Conference
				if e.Conference == "" {
					if len(e.ConferenceParams) != 0 {
						t.Errorf("%s: parameters %v without a CONFERENCE", e.UID, e.ConferenceParams)
					}
					continue
				}
				if e.ConferenceParams["VALUE"] != "URI" || e.ConferenceParams["FEATURE"] != "VIDEO" {
					t.Errorf("%s: CONFERENCE parameters %v, want VALUE=URI;FEATURE=VIDEO", e.UID, e.ConferenceParams)
				}
				if p := byUID[e.UID].Props.Get("CONFERENCE"); p == nil || p.Value != e.Conference {
					t.Errorf("%s: go-ical reads %v, python %q", e.UID, p, e.Conference)
				}
			}
			if len(seen) != len(want[i]) {
				t.Fatalf("events %v, want %v", seen, want[i])
			}
			for uid, w := range want[i] {
				if seen[uid] != w {
					t.Errorf("%s: CONFERENCE %q, want %q", uid, seen[uid], w)
				}
			}
			if aud == agenda.VisibilityPublic && bytes.Contains(bytes.ReplaceAll(feeds[i], []byte("\r\n "), nil), []byte("members-only-room")) {
				t.Error("the public feed names the members-only meeting's address")
			}
		})
	}
}
