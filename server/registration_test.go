package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// webinar creates a public webinar a week from now and returns its ID.
func (f *fixture) webinar() string {
	f.t.Helper()
	start := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
	ev := f.create(fmt.Sprintf(`{"kind":"webinar","title":{"en":"Civic space","fr":"Espace civique","ar":"الفضاء المدني","es":"Espacio cívico"},
 "start":%q,"end":%q,"timezone":"Europe/Brussels","region":"global","visibility":"public","status":"published","languages":["ar","en","fr","es"]}`,
		start.Format(time.RFC3339), start.Add(90*time.Minute).Format(time.RFC3339)), f.alice)
	return ev["id"].(string)
}

const regForm = `{"open":true,"approval":"%s","capacity":%d,"pseudonyms":true,"email":"optional","retention_days":30,
 "questions":[{"id":"org","kind":"text","label":{"en":"Organisation","fr":"Organisation","ar":"المؤسسة","es":"Organización"}},
  {"id":"consent","kind":"consent","label":{"en":"I agree that the organizers see my name.","fr":"J’accepte que les organisateurs voient mon nom.","ar":"أوافق على أن يرى المنظمون اسمي.","es":"Acepto que los organizadores vean mi nombre."}}]}`

// setForm stores a registration form for id.
func (f *fixture) setForm(id, approval string, capacity int) {
	f.t.Helper()
	r := f.do(req{method: "PUT", path: "/api/v1/events/" + id + "/registration", token: f.alice,
		body: fmt.Sprintf(regForm, approval, capacity), header: map[string]string{"If-Match": "*"}})
	if r.status != http.StatusOK {
		f.t.Fatalf("put form: %d %s", r.status, r.body)
	}
}

type receipt struct {
	Status   string `json:"status"`
	Position int    `json:"position"`
	Token    string `json:"token"`
	URL      string `json:"url"`
	Mailed   bool   `json:"mailed"`
}

// registerAs registers name (with email, in lang) and returns the answer.
func (f *fixture) registerAs(id, name, email, lang string) (resp, receipt) {
	f.t.Helper()
	body, _ := json.Marshal(map[string]any{"name": name, "email": email, "language": lang,
		"answers": map[string]any{"consent": map[string]any{"consent": true}}})
	r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations", body: string(body)})
	var rc receipt
	if r.status == http.StatusCreated {
		if err := json.Unmarshal(r.body, &rc); err != nil {
			f.t.Fatal(err)
		}
	}
	return r, rc
}

type regOut struct {
	ID, Status, Name, Email, Message string
}

func (f *fixture) listRegs(id, query string) []regOut {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/events/" + id + "/registrations" + query, token: f.alice})
	if r.status != http.StatusOK {
		f.t.Fatalf("list: %d %s", r.status, r.body)
	}
	var out struct{ Registrations []regOut }
	if err := json.Unmarshal(r.body, &out); err != nil {
		f.t.Fatal(err)
	}
	return out.Registrations
}

func TestRegistrationAPI(t *testing.T) {
	f := newFixture(t)
	id := f.webinar()
	f.setForm(id, "manual", 2)

	// Registrations are for organizers only.
	if r := f.do(req{method: "GET", path: "/api/v1/events/" + id + "/registrations"}); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", r.status)
	}
	_, amina := f.registerAs(id, "Amina", "amina@example.org", "fr")
	_, omar := f.registerAs(id, "Omar", "omar@example.org", "ar")
	_, late := f.registerAs(id, "Late", "", "es")
	if amina.Status != "pending" || omar.Status != "pending" || late.Status != "waitlisted" || late.Position != 1 || !strings.HasPrefix(amina.Token, "mjr_") {
		t.Fatalf("receipts %+v %+v %+v", amina, omar, late)
	}
	if amina.Mailed || amina.URL != "https://majlis.example.org/r/"+amina.Token {
		t.Fatalf("without a mailer the answer carries the link: %+v", amina)
	}
	// Without a mailer an address may register twice: refusing would tell
	// anyone trying it that its owner registered.
	if r, again := f.registerAs(id, "Not Amina", "AMINA@example.org", "en"); r.status != http.StatusCreated || again.Token == "" {
		t.Fatalf("the same address again: %d %s", r.status, r.body)
	}

	bad := []struct {
		name, body, field string
	}{
		{"a name over the limit", `{"name":"` + strings.Repeat("n", 101) + `","language":"en","answers":{"consent":{"consent":true}}}`, "name"},
		{"no consent", `{"name":"x","language":"en","answers":{}}`, "answers.consent"},
		{"an answer to no question", `{"name":"x","language":"en","answers":{"consent":{"consent":true},"ssn":{"text":"1"}}}`, "answers.ssn"},
		{"an unknown language", `{"name":"x","language":"de","answers":{"consent":{"consent":true}}}`, "language"},
		{"a pseudonym field as text", `{"name":"x","pseudonym":"yes","language":"en"}`, "pseudonym"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.listRegs(id, ""))
			r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations", body: tc.body})
			if r.status/100 != 4 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if _, fields := errorOf(t, r); fields[tc.field] == "" {
				t.Fatalf("fields %v do not name %s", fields, tc.field)
			}
			if after := len(f.listRegs(id, "")); after != before {
				t.Fatalf("a refusal stored something: %d → %d", before, after)
			}
		})
	}

	list := f.listRegs(id, "?status=pending")
	if len(list) != 2 || list[0].Name != "Amina" {
		t.Fatalf("pending: %+v", list)
	}
	if got := f.listRegs(id, "?q=omar"); len(got) != 1 || got[0].Email != "omar@example.org" {
		t.Fatalf("search: %+v", got)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations/" + list[0].ID + "/approve", token: f.alice}); r.status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.status, r.body)
	}
	r := f.do(req{method: "POST", path: "/api/v1/events/" + id + "/registrations/" + list[1].ID + "/decline", token: f.alice, body: `{"message":"Sorry, the room is for NHRI staff."}`})
	if r.status != http.StatusOK {
		t.Fatalf("decline: %d %s", r.status, r.body)
	}
	// The decline freed a place: the first waitlisted moved up.
	if got := f.listRegs(id, "?q=late"); got[0].Status != "pending" {
		t.Fatalf("after a decline the waitlist's head is %s", got[0].Status)
	}

	// The personal page, in the registrant's language, with its join link.
	page := f.do(req{method: "GET", path: "/r/" + amina.Token, header: map[string]string{"Accept-Language": "en"}})
	if page.status != http.StatusOK || !bytes.Contains(page.body, []byte(`lang="fr"`)) || !bytes.Contains(page.body, []byte("/session?token="+amina.Token)) {
		t.Fatalf("personal page: %d %s", page.status, page.body)
	}
	declined := f.do(req{method: "GET", path: "/r/" + omar.Token})
	if !bytes.Contains(declined.body, []byte("Sorry, the room is for NHRI staff.")) || bytes.Contains(declined.body, []byte("/session?token=")) {
		t.Fatalf("a declined registrant's page: %s", declined.body)
	}
	if r := f.do(req{method: "GET", path: "/events/" + id + "/session?token=" + amina.Token}); r.status != http.StatusOK {
		t.Fatalf("session page with the registrant's link: %d", r.status)
	}
	if r := f.do(req{method: "GET", path: "/events/" + id + "/session?token=" + late.Token}); r.status != http.StatusUnauthorized {
		t.Fatalf("session page with a pending registrant's link: %d", r.status)
	}
	ics := f.do(req{method: "GET", path: "/r/" + amina.Token + "/event.ics"})
	if ics.status != http.StatusOK || !bytes.Contains(ics.body, []byte("SUMMARY;LANGUAGE=fr:Espace civique")) {
		t.Fatalf("ics: %d %s", ics.status, ics.body)
	}
	forged := "mjr_" + strings.Repeat("a", 52)
	if r := f.do(req{method: "GET", path: "/r/" + forged}); r.status != http.StatusNotFound {
		t.Fatalf("a forged link: %d", r.status)
	}

	// CSV, read back by Python's csv module.
	csvResp := f.do(req{method: "GET", path: "/api/v1/events/" + id + "/registrations/csv?lang=ar", token: f.alice})
	if csvResp.status != http.StatusOK || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", csvResp.status, csvResp.body)
	}
	cmd := exec.Command("/usr/bin/python3", "-c", `import csv, io, json, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.buffer.read().decode("utf-8-sig"), newline="")))
print(json.dumps([[r["name"], r["status"], r["decline_message"]] for r in rows]))`)
	cmd.Stdin = bytes.NewReader(csvResp.body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 csv (install Debian's python3): %v", err)
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil || len(rows) != 4 || rows[1][0] != "Omar" || rows[1][1] != "declined" || rows[1][2] != "Sorry, the room is for NHRI staff." {
		t.Fatalf("csv rows %s (%v)", out, err)
	}

	// Cancel: the link stops working and the place is freed.
	if r := f.do(req{method: "POST", path: "/r/" + amina.Token + "/cancel"}); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/r/" + amina.Token}); r.status != http.StatusNotFound {
		t.Fatalf("a cancelled link: %d", r.status)
	}
	// Forget one person: gone from the list, the link dead.
	lateID := f.listRegs(id, "?q=late")[0].ID
	if r := f.do(req{method: "DELETE", path: "/api/v1/events/" + id + "/registrations/" + lateID, token: f.alice}); r.status != http.StatusNoContent {
		t.Fatalf("forget: %d %s", r.status, r.body)
	}
	if got := f.listRegs(id, "?q=late"); len(got) != 0 {
		t.Fatalf("forgotten but listed: %+v", got)
	}
	if r := f.do(req{method: "GET", path: "/r/" + late.Token}); r.status != http.StatusNotFound {
		t.Fatalf("a forgotten one's link: %d", r.status)
	}
}

func TestRegistrationClosedAndFull(t *testing.T) {
	f := newFixture(t)
	id := f.webinar()
	r, _ := f.registerAs(id, "Early", "", "en")
	if code, _ := errorOf(t, r); r.status != http.StatusNotFound || code != "not_found" {
		t.Fatalf("no form yet: %d %s", r.status, r.body)
	}
	f.setForm(id, "automatic", 1)
	if _, rc := f.registerAs(id, "First", "", "en"); rc.Status != "approved" {
		t.Fatalf("first: %+v", rc)
	}
	if _, rc := f.registerAs(id, "Second", "", "en"); rc.Status != "waitlisted" || rc.Position != 1 {
		t.Fatalf("a full webinar: %+v", rc)
	}
	page := f.do(req{method: "GET", path: "/events/" + id, header: map[string]string{"Accept": "text/html"}})
	if !bytes.Contains(page.body, []byte(`action="/events/`+id+`/register"`)) {
		t.Fatalf("the event page has no registration form")
	}
}
