package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/server"
)

const northvale = `{"id":"northvale-chr","name":{"en":"Northvale Commission for Human Rights (fictional)","ar":"لجنة نورثفيل لحقوق الإنسان (خيالية)"},
 "country":"XA","region":"africa","history":[{"status":"B","date":"2012-05-01"},{"status":"A","date":"2017-11-20"}]}`

func (f *fixture) csv(token, path, body string, header map[string]string) resp {
	f.t.Helper()
	h := map[string]string{"Content-Type": "text/csv"}
	for k, v := range header {
		h[k] = v
	}
	hr, err := http.NewRequest("POST", f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	hr.Header.Set("Authorization", "Bearer "+token)
	for k, v := range h {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}

// TestInstitutionsAPI: head office keeps the registry with ETags and
// If-Match; a regional secretariat reads its region's only; bad input is a
// 422 naming the field.
func TestInstitutionsAPI(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	africa := f.regionalOrganizer("NANHRI secretariat", agenda.RegionAfrica)
	europe := f.regionalOrganizer("ENNHRI secretariat", agenda.RegionEurope)

	r := f.do(req{method: "POST", path: "/api/v1/institutions", body: northvale, token: f.alice})
	if r.status != http.StatusCreated || r.header.Get("ETag") != `"n1"` {
		t.Fatalf("create: %d %s %s", r.status, r.header.Get("ETag"), r.body)
	}
	var in struct {
		Status       string `json:"status"`
		AccreditedOn string `json:"accredited_on"`
	}
	_ = json.Unmarshal(r.body, &in)
	if in.Status != "A" || in.AccreditedOn != "2017-11-20" {
		t.Fatalf("derived status %+v", in)
	}
	tests := []struct {
		name   string
		r      req
		status int
		code   string
		field  string
	}{
		{"create twice", req{method: "POST", path: "/api/v1/institutions", body: northvale, token: f.alice}, 409, "exists", "id"},
		{"a secretariat may not create", req{method: "POST", path: "/api/v1/institutions", body: northvale, token: africa}, 403, "forbidden", ""},
		{"bad country", req{method: "POST", path: "/api/v1/institutions", body: `{"id":"x-y-z","name":{"en":"X"},"country":"France","region":"europe"}`, token: f.alice}, 422, "invalid", "country"},
		{"no If-Match", req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", body: `{"country":"XB"}`, token: f.alice}, 428, "precondition_required", ""},
		{"stale If-Match", req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", body: `{"country":"XB"}`, token: f.alice, header: map[string]string{"If-Match": `"n7"`}}, 412, "precondition_failed", ""},
		{"another region's is not there", req{method: "GET", path: "/api/v1/institutions/northvale-chr", token: europe}, 404, "not_found", ""},
		{"a secretariat may not change", req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", body: `{"country":"XB"}`, token: africa, header: map[string]string{"If-Match": `"n1"`}}, 403, "forbidden", ""},
		{"a bad accreditation", req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", body: `{"accredit":{"status":"C","date":"2021-01-01"}}`, token: f.alice, header: map[string]string{"If-Match": `"n1"`}}, 422, "invalid", "history[2].status"},
		{"no token", req{method: "GET", path: "/api/v1/institutions"}, 401, "unauthorized", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(tc.r)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			code, fields := errorOf(t, r)
			if code != tc.code || (tc.field != "" && fields[tc.field] == "") {
				t.Fatalf("code %q fields %v, want %q naming %q", code, fields, tc.code, tc.field)
			}
		})
	}
	r = f.do(req{method: "GET", path: "/api/v1/institutions/northvale-chr", token: africa})
	if r.status != 200 {
		t.Fatalf("its own region's: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", body: `{"accredit":{"status":"B","date":"2021-03-01","note":"SCA review"},"name":{"fr":"Commission de Northvale (fictive)"}}`,
		token: f.alice, header: map[string]string{"If-Match": `"n1"`}})
	if r.status != 200 || r.header.Get("ETag") != `"n2"` || !strings.Contains(string(r.body), `"status":"B"`) || !strings.Contains(string(r.body), `"fr":"Commission`) || !strings.Contains(string(r.body), `"en":"Northvale`) {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	for token, want := range map[string]int{f.alice: 1, africa: 1, europe: 0} {
		r = f.do(req{method: "GET", path: "/api/v1/institutions", token: token})
		var list struct {
			Institutions []json.RawMessage `json:"institutions"`
		}
		if err := json.Unmarshal(r.body, &list); err != nil || len(list.Institutions) != want {
			t.Fatalf("list: %d %s, want %d", r.status, r.body, want)
		}
	}
	r = f.do(req{method: "DELETE", path: "/api/v1/institutions/northvale-chr", token: f.alice, header: map[string]string{"If-Match": `"n2"`}})
	if r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
}

// TestInstitutionsImport: a preview says what a CSV would change, row by
// row with per-row errors, and writes nothing; applying needs the
// preview's digest, which a change in between makes stale.
func TestInstitutionsImport(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	if r := f.do(req{method: "POST", path: "/api/v1/institutions", body: northvale, token: f.alice}); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	file := "id,name_en,name_ar,country,region,status,accredited_on\n" +
		"northvale-chr,Northvale Commission for Human Rights (fictional),,XA,africa,A,2017-11-20\n" +
		"southmere-ombuds,\"Southmere Ombudsman, the (fictional)\",أمين مظالم ساوثمير,xb,europe,B,2019-02-01\n" +
		"bad row,Nowhere,,ZZZ,mars,Q,yesterday\n"
	r := f.csv(f.alice, "/api/v1/institutions/import", file, nil)
	var pl struct {
		Rows []struct {
			Row    int               `json:"row"`
			Action string            `json:"action"`
			Errors map[string]string `json:"errors"`
		} `json:"rows"`
		Added, Changed, Unchanged, Invalid, Applied int
		Digest                                      string
	}
	if err := json.Unmarshal(r.body, &pl); err != nil || r.status != 200 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	if pl.Added != 1 || pl.Changed != 1 || pl.Invalid != 1 || pl.Applied != 0 || pl.Rows[2].Row != 4 || pl.Rows[2].Errors["country"] == "" || pl.Rows[2].Errors["region"] == "" {
		t.Fatalf("preview %+v", pl)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/institutions/southmere-ombuds", token: f.alice}); r.status != 404 {
		t.Fatalf("a preview wrote: %d", r.status)
	}
	if r := f.csv(f.alice, "/api/v1/institutions/import?digest="+pl.Digest, file, nil); r.status != 422 {
		t.Fatalf("applying a file with an invalid row: %d %s", r.status, r.body)
	}
	file = file[:strings.Index(file, "bad row")]
	r = f.csv(f.alice, "/api/v1/institutions/import", file, nil)
	if err := json.Unmarshal(r.body, &pl); err != nil || r.status != 200 || pl.Invalid != 0 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	if r := f.csv(f.bob, "/api/v1/institutions/import?digest=nope", file, nil); r.status != 409 {
		t.Fatalf("a wrong digest: %d %s", r.status, r.body)
	}
	if r := f.csv(f.alice, "/api/v1/institutions/import", file, map[string]string{"Content-Type": "application/json"}); r.status != 415 {
		t.Fatalf("not CSV: %d %s", r.status, r.body)
	}
	r = f.csv(f.alice, "/api/v1/institutions/import?digest="+pl.Digest, file, nil)
	if err := json.Unmarshal(r.body, &pl); err != nil || r.status != 200 || pl.Applied != 2 {
		t.Fatalf("apply: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/institutions/southmere-ombuds", token: f.alice}); r.status != 200 || !strings.Contains(string(r.body), `"country":"XB"`) {
		t.Fatalf("applied: %d %s", r.status, r.body)
	}
}

// TestInstitutionWritesAreAudited: creating, changing, accrediting,
// importing and removing institutions are each recorded once in the audit
// log — who, when, which institution, the names of the fields changed,
// the accreditation's statuses — never a delegate's reference; head
// office reads them on the audit page and in its CSV, a regional
// secretariat its region's institutions only, and an import's entry is
// head office's.
func TestInstitutionWritesAreAudited(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	f.namedOrganizer("org_nanhri", "NANHRI secretariat", agenda.RegionAfrica)
	f.namedOrganizer("org_ennhri", "ENNHRI secretariat", agenda.RegionEurope)
	must := func(r resp, status int) {
		t.Helper()
		if r.status != status {
			t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
		}
	}
	must(f.do(req{method: "POST", path: "/api/v1/institutions", body: northvale, token: f.alice}), 201)
	must(f.do(req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", token: f.alice, header: map[string]string{"If-Match": "*"},
		body: `{"accredit":{"status":"B","date":"2024-03-01","note":"review"},"delegates":[{"ref":"invite:inv-secret-person"}]}`}), 200)
	must(f.do(req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", token: f.bob, header: map[string]string{"If-Match": "*"},
		body: `{"name":{"fr":"Commission de Northvale (fictive)"}}`}), 200)
	file := "id,name_en,country,region,status,accredited_on\nsouthmere-ombuds,Southmere Ombudsman (fictional),XB,europe,A,2019-02-01\n"
	var pl struct{ Digest string }
	r := f.csv(f.alice, "/api/v1/institutions/import", file, nil)
	mustUnmarshal(t, r.body, &pl)
	must(f.csv(f.alice, "/api/v1/institutions/import?digest="+pl.Digest, file, nil), 200)
	must(f.do(req{method: "DELETE", path: "/api/v1/institutions/southmere-ombuds", token: f.alice, header: map[string]string{"If-Match": "*"}}), 204)

	entries, err := f.st.ListAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		id := ""
		if e.Institution != nil {
			id = e.Institution.ID
		}
		got = append(got, fmt.Sprintf("%s %s %s [%s] %v +%v ~%v", e.ActorName, e.Action, id, strings.Join(e.Fields, ","), e.Accreditation, e.Added, e.Changed))
	}
	want := []string{
		"Alice institution.deleted southmere-ombuds [] [] +[] ~[]",
		"Alice institutions.imported  [] [] +[southmere-ombuds] ~[]",
		"Bob institution.changed northvale-chr [name] [] +[] ~[]",
		"Alice institution.accredited northvale-chr [history,delegates] [A B] +[] ~[]",
		"Alice institution.created northvale-chr [] [] +[] ~[]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("recorded, newest first:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, e := range entries {
		if e.At.IsZero() || e.Actor == "" {
			t.Fatalf("an entry without its time or author: %+v", e)
		}
	}
	raw, _ := json.Marshal(entries)
	if bytes.Contains(raw, []byte("inv-secret-person")) {
		t.Fatalf("the log names a delegate: %s", raw)
	}

	page := func(who string) string {
		t.Helper()
		res, body := f.browse(browserReq{method: "GET", path: "/organizer/audit", cookie: f.signIn(who), header: map[string]string{"Accept-Language": "en"}})
		if res.StatusCode != 200 {
			t.Fatalf("%s: audit page %d", who, res.StatusCode)
		}
		return body
	}
	tests := []struct {
		who        string
		has, hasNo []string
	}{
		{f.aliceID, []string{"Entries shown: 5 of 5.", "added an institution", "changed an institution&#39;s accreditation", "accreditation: A status (votes) → B status",
			"fields: history, delegates", "imported the registry of institutions", "added: southmere-ombuds", "removed an institution",
			`href="/organizer/institutions/northvale-chr"`, "Northvale Commission for Human Rights (fictional)"}, []string{"inv-secret-person"}},
		{"org_nanhri", []string{"Entries shown: 3 of 3.", "Northvale Commission"}, []string{"Southmere", "southmere-ombuds", "imported the registry"}},
		{"org_ennhri", []string{"Entries shown: 1 of 1.", "removed an institution"}, []string{"Northvale", "imported the registry"}},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			body := page(tt.who)
			for _, s := range tt.has {
				if !strings.Contains(body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tt.hasNo {
				if strings.Contains(body, s) {
					t.Errorf("shows %q", s)
				}
			}
		})
	}

	res, body := f.browse(browserReq{method: "GET", path: "/organizer/audit.csv", cookie: f.signIn(f.aliceID)})
	if res.StatusCode != 200 {
		t.Fatalf("CSV: %d", res.StatusCode)
	}
	rows := pyCSV(t, []byte(body))
	if len(rows) != 6 || rows[4][3] != "institution.accredited" || rows[4][12] != "northvale-chr" || rows[4][14] != "A B" || rows[4][8] != "history delegates" ||
		rows[2][3] != "institutions.imported" || rows[2][15] != "southmere-ombuds" {
		t.Fatalf("CSV rows: %v", rows)
	}
}

// TestInstitutionIDsThatArePageNames: "new" and "import" name the
// organizer app's own registry pages, so an institution with such an ID
// could never be opened there: the API, the form and the CSV import
// refuse them as IDs of new institutions, naming the field.
func TestInstitutionIDsThatArePageNames(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	for _, id := range []string{"new", "import"} {
		t.Run(id, func(t *testing.T) {
			body := strings.Replace(northvale, `"northvale-chr"`, `"`+id+`"`, 1)
			r := f.do(req{method: "POST", path: "/api/v1/institutions", body: body, token: f.alice})
			var e struct {
				Error struct {
					Code   string
					Fields map[string]string
				}
			}
			mustUnmarshal(t, r.body, &e)
			if r.status != 422 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Fields["id"], "organizer app") {
				t.Fatalf("create %q: %d %s", id, r.status, r.body)
			}
			file := "id,name_en,country,region,status,accredited_on\n" + id + ",Somewhere (fictional),XA,africa,A,2019-02-01\n"
			r = f.csv(f.alice, "/api/v1/institutions/import", file, nil)
			var pl struct {
				Invalid int
				Rows    []struct{ Errors map[string]string }
			}
			mustUnmarshal(t, r.body, &pl)
			if r.status != 200 || pl.Invalid != 1 || !strings.Contains(pl.Rows[0].Errors["id"], "organizer app") {
				t.Fatalf("import %q: %d %s", id, r.status, r.body)
			}
			form := institutionForm()
			form.Set("id", id)
			res, page := f.post(f.appUser(f.aliceID), "/organizer/institutions", "en", form)
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(page), "new, import name the app's own pages: choose another identifier.") {
				t.Fatalf("form %q: %d %s", id, res.StatusCode, page)
			}
			res, page = f.multipartImport(f.appUser(f.aliceID), file)
			if res.StatusCode != 200 || !strings.Contains(html.UnescapeString(page), "id: new, import name the app's own pages") {
				t.Fatalf("import page %q: %d %s", id, res.StatusCode, page)
			}
			if got := f.registrySnapshot(); got != "" {
				t.Fatalf("stored: %s", got)
			}
		})
	}
}
