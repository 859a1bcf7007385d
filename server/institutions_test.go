package server_test

import (
	"encoding/json"
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
