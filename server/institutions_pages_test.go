package server_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/server"
)

// institutionForm is the form of Northvale, in four languages, A status.
func institutionForm() url.Values {
	return url.Values{"id": {"northvale-chr"}, "name-en": {"Northvale Commission for Human Rights (fictional)"},
		"name-fr": {"Commission de Northvale (fictive)"}, "name-es": {"Comisión de Northvale (ficticia)"}, "name-ar": {"لجنة نورثفيل (خيالية)"},
		"country": {"xa"}, "region": {"africa"}, "accredit-status": {"A"}, "accredit-date": {"2017-11-20"}, "accredit-note": {"SCA review"},
		"delegates": {"2"}, "delegate-0": {"invite:inv_one"}, "delegate-1": {""}}
}

// registrySnapshot is the stored registry, to prove a refused form
// changed nothing.
func (f *fixture) registrySnapshot() string {
	f.t.Helper()
	all, err := f.st.ListInstitutions(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, in := range all {
		b.WriteString(in.ID + " " + string(in.Status) + " " + in.Country + " ")
		b.WriteString(strings.Repeat("v", int(in.Version)) + "\n")
	}
	return b.String()
}

// multipartImport posts a CSV file to the import form as u's browser does.
func (f *fixture) multipartImport(u appUser, file string) (*http.Response, string) {
	f.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", u.csrf)
	fw, _ := w.CreateFormFile("file", "registry.csv")
	_, _ = io.WriteString(fw, file)
	_ = w.Close()
	hr, _ := http.NewRequest("POST", f.ts.URL+"/organizer/institutions/import", &body)
	hr.Header.Set("Content-Type", w.FormDataContentType())
	hr.Header.Set("Accept", "text/html")
	hr.Header.Set("Sec-Fetch-Site", "same-origin")
	hr.Header.Set("Accept-Language", "en")
	hr.AddCookie(u.ck)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var digestInput = regexp.MustCompile(`name="digest" value="([0-9a-f]+)"`)

// TestInstitutionPages walks the registry through the organizer app with
// the session cookie: head office adds an institution in four languages,
// changes it, is shown a conflict when the form is stale, imports a CSV
// after its preview; a regional secretariat reads its region's
// institutions only and changes nothing; every refusal changes nothing.
func TestInstitutionPages(t *testing.T) {
	t.Parallel()
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	ho := f.appUser(f.aliceID)
	africa := f.regionalUser("NANHRI secretariat", agenda.RegionAfrica)
	europe := f.regionalUser("ENNHRI secretariat", agenda.RegionEurope)
	ctx := context.Background()

	_, body := f.page(ho, "/organizer/", "en")
	mustContain(t, "organizer home", body, `href="/organizer/institutions" id="institutions-link"`)

	refusals := []struct {
		name  string
		edit  func(url.Values)
		input string
	}{
		{"a bad id", func(v url.Values) { v.Set("id", "No Spaces") }, "id"},
		{"no name", func(v url.Values) {
			for _, l := range agenda.Languages {
				v.Set("name-"+l, "")
			}
		}, "name-en"},
		{"a name on two lines", func(v url.Values) { v.Set("name-fr", "a\nb") }, "name-fr"},
		{"a country that is not a code", func(v url.Values) { v.Set("country", "France") }, "country"},
		{"the head office as a region", func(v url.Values) { v.Set("region", "global") }, "region"},
		{"a status without its date", func(v url.Values) { v.Set("accredit-date", "") }, "accredit-date"},
		{"an unknown status", func(v url.Values) { v.Set("accredit-status", "C") }, "accredit-status"},
		{"a person twice", func(v url.Values) { v.Set("delegate-1", "invite:inv_one") }, "delegate-1"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := f.registrySnapshot()
			form := institutionForm()
			tc.edit(form)
			res, body := f.post(ho, "/organizer/institutions", "fr", form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			mustContain(t, tc.name, body, `id="`+tc.input+`"`, `href="#`+tc.input+`"`, `id="`+tc.input+`-error"`, `lang="fr"`)
			if after := f.registrySnapshot(); after != before {
				t.Fatalf("a refused form changed the registry:\n%s\n%s", before, after)
			}
		})
	}

	res, body := f.post(ho, "/organizer/institutions", "en", institutionForm())
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/institutions/northvale-chr?saved=1" {
		t.Fatalf("add: %d %s", res.StatusCode, body)
	}
	in, err := f.st.GetInstitution(ctx, "northvale-chr")
	if err != nil || in.Status != institution.StatusA || in.Country != "XA" || in.Name["ar"] != "لجنة نورثفيل (خيالية)" || len(in.Delegates) != 1 || in.Version != 1 {
		t.Fatalf("stored %+v %v", in, err)
	}
	res, _ = f.post(ho, "/organizer/institutions", "en", institutionForm())
	if res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusConflict {
		t.Fatalf("a taken id: %d", res.StatusCode)
	}

	// The list and its filters.
	for _, c := range []struct {
		query string
		found bool
	}{{"", true}, {"?region=africa&status=A", true}, {"?q=NORTHVALE", true}, {"?q=" + url.QueryEscape("نورثفيل"), true}, {"?q=xa", true},
		{"?status=B", false}, {"?region=europe", false}, {"?q=southmere", false}} {
		res, body := f.page(ho, "/organizer/institutions"+c.query, "en")
		if res.StatusCode != 200 || strings.Contains(body, `id="institution-northvale-chr"`) != c.found {
			t.Errorf("list%s: %d, found %v", c.query, res.StatusCode, !c.found)
		}
	}
	for _, q := range []string{"?status=Q", "?region=mars", "?q=" + strings.Repeat("x", 65)} {
		if res, _ := f.page(ho, "/organizer/institutions"+q, "en"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("list%s: %d", q, res.StatusCode)
		}
	}

	// A change, then a stale form: nothing saved, the conflict shown.
	form := institutionForm()
	form.Del("id")
	form.Set("version", "1")
	form.Set("country", "XB")
	form.Set("accredit-status", "")
	form.Set("delegates", "3")
	form.Set("delegate-1", "invite:inv_two")
	form.Set("alternate-1", "1")
	res, body = f.post(ho, "/organizer/institutions/northvale-chr", "en", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body)
	}
	in, _ = f.st.GetInstitution(ctx, "northvale-chr")
	if in.Version != 2 || in.Country != "XB" || len(in.History) != 1 || len(in.Delegates) != 2 || !in.Delegates[1].Alternate {
		t.Fatalf("saved %+v", in)
	}
	form.Set("country", "XC")
	res, body = f.post(ho, "/organizer/institutions/northvale-chr", "en", form)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("a stale form: %d %s", res.StatusCode, body)
	}
	mustContain(t, "stale form", body, "Not saved: someone changed this institution", `id="stale"`, "<bdi>XB</bdi></td><td><bdi>XC</bdi>", `name="version" value="2"`)
	if in, _ := f.st.GetInstitution(ctx, "northvale-chr"); in.Version != 2 || in.Country != "XB" {
		t.Fatalf("a stale form saved: %+v", in)
	}
	_, body = f.page(ho, "/organizer/institutions/northvale-chr?saved=1", "ar")
	mustContain(t, "the form in Arabic", body, `dir="rtl"`, "تم الحفظ.", `value="invite:inv_two"`, `id="alternate-1" name="alternate-1" value="1" checked`, "SCA review")

	// A regional secretariat: its region's, read only; no other's.
	_, body = f.page(africa, "/organizer/institutions", "en")
	mustContain(t, "africa's list", body, `id="institution-northvale-chr"`)
	mustNotContain(t, "africa's list", body, `id="new-institution"`, `id="import-institutions"`, `<option value="europe"`)
	res, body = f.page(africa, "/organizer/institutions/northvale-chr", "en")
	if res.StatusCode != 200 {
		t.Fatalf("africa reads: %d", res.StatusCode)
	}
	mustContain(t, "africa reads", body, `id="read-only"`, `<fieldset disabled>`)
	mustNotContain(t, "africa reads", body, `id="save-institution"`)
	if _, body := f.page(europe, "/organizer/institutions", "en"); strings.Contains(body, "northvale") {
		t.Fatal("europe lists africa's institution")
	}
	for _, c := range []struct {
		u      appUser
		method string
		path   string
		want   int
	}{
		{europe, "GET", "/organizer/institutions/northvale-chr", 404},
		{europe, "POST", "/organizer/institutions/northvale-chr", 404},
		{africa, "POST", "/organizer/institutions/northvale-chr", 403},
		{africa, "POST", "/organizer/institutions", 403},
		{africa, "GET", "/organizer/institutions/new", 403},
		{africa, "GET", "/organizer/institutions/import", 403},
		{africa, "POST", "/organizer/institutions/import", 403},
		{africa, "GET", "/organizer/institutions?region=europe", 400},
	} {
		before := f.registrySnapshot()
		var res *http.Response
		if c.method == "GET" {
			res, _ = f.page(c.u, c.path, "en")
		} else {
			form := institutionForm()
			form.Set("version", "2")
			form.Set("csv", "id,country\nnorthvale-chr,XD\n")
			res, _ = f.post(c.u, c.path, "en", form)
		}
		if res.StatusCode != c.want || f.registrySnapshot() != before {
			t.Errorf("%s %s: %d, want %d (or the registry changed)", c.method, c.path, res.StatusCode, c.want)
		}
	}

	// The import: errors row by row, nothing written; a preview, a change
	// in between, the preview again; then applied.
	bad := "id,name_en,country,region,status,accredited_on\nsouthmere-ombuds,Southmere Ombudsman (fictional),XB,europe,B,2019-02-01\nbad row,Nowhere,ZZZ,mars,Q,yesterday\n"
	before := f.registrySnapshot()
	res, body = f.post(ho, "/organizer/institutions/import", "en", url.Values{"csv": {bad}})
	if res.StatusCode != http.StatusOK || f.registrySnapshot() != before {
		t.Fatalf("import with errors: %d %s", res.StatusCode, body)
	}
	mustContain(t, "preview with errors", body, `id="row-3" class="action-invalid"`, "country: A country is an ISO 3166 code", "region: Choose one of", `id="cannot-apply"`)
	mustNotContain(t, "preview with errors", body, `id="apply-import"`)
	res, body = f.post(ho, "/organizer/institutions/import", "en", url.Values{"csv": {"name_en\nx\n"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="file-errors"`) {
		t.Fatalf("a file without ids: %d %s", res.StatusCode, body)
	}
	good := "id,name_en,country,region,status,accredited_on\nsouthmere-ombuds,Southmere Ombudsman (fictional),XB,europe,B,2019-02-01\nnorthvale-chr,Northvale Commission for Human Rights (fictional),XE,africa,A,2017-11-20\n"
	res, body = f.multipartImport(ho, good)
	m := digestInput.FindStringSubmatch(body)
	if res.StatusCode != 200 || m == nil || f.registrySnapshot() != before {
		t.Fatalf("preview of a file: %d %s", res.StatusCode, body)
	}
	mustContain(t, "preview", body, "1 to add, 1 to change, 0 unchanged, 0 with errors.", "Country: XB → XE", `id="apply-import"`)
	if _, err := f.st.PutInstitution(ctx, func() institution.Institution {
		x, _ := f.st.GetInstitution(ctx, "northvale-chr")
		x.Country = "XF"
		return x
	}(), 2); err != nil {
		t.Fatal(err)
	}
	carried := html.UnescapeString(regexp.MustCompile(`name="csv" value="([^"]*)"`).FindStringSubmatch(body)[1])
	res, body = f.post(ho, "/organizer/institutions/import", "en", url.Values{"csv": {carried}, "digest": {m[1]}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Nothing was written") || !strings.Contains(body, "Country: XF → XE") {
		t.Fatalf("apply after a change: %d %s", res.StatusCode, body)
	}
	if _, err := f.st.GetInstitution(ctx, "southmere-ombuds"); err == nil {
		t.Fatal("a stale apply wrote")
	}
	m = digestInput.FindStringSubmatch(body)
	res, body = f.post(ho, "/organizer/institutions/import", "en", url.Values{"csv": {carried}, "digest": {m[1]}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/institutions?done=imported&n=2" {
		t.Fatalf("apply: %d %s", res.StatusCode, body)
	}
	_, body = f.page(ho, "/organizer/institutions?done=imported&n=2", "fr")
	mustContain(t, "after the import", body, "L&#39;import est fait : 2 institutions écrites.", `id="institution-southmere-ombuds"`)
	if x, _ := f.st.GetInstitution(ctx, "northvale-chr"); x.Country != "XE" {
		t.Fatalf("applied: %+v", x)
	}
}

// TestRegistryNamesDelegates: an institution's page says whom each
// delegate reference names — the invitation's or the organizer's display
// name with the role, delegate or alternate; a withdrawn invitation as
// such — and, in words, that a reference names nobody: removed, mistyped,
// or an invitation to a confidential event the reader may not see (whose
// invitee is never named).
func TestRegistryNamesDelegates(t *testing.T) {
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", UserAssignedCountries: true}, nil)
	if r := f.do(req{method: "POST", path: "/api/v1/institutions", body: northvale, token: f.alice}); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	event := strings.NewReplacer("2021-", "2031-", `"id":"hrd-consultation",`, "").Replace(consultation)
	pub := f.create(event, f.alice)["id"].(string)
	secret := f.create(strings.Replace(event, `"public"`, `"confidential"`, 1), f.alice)["id"].(string)
	invite := func(ev, name string) string {
		t.Helper()
		r := f.do(req{method: "POST", path: "/api/v1/events/" + ev + "/invites", token: f.alice,
			body: `{"role":"delegate","name":"` + name + `","institution":"northvale-chr"}`})
		if r.status != 201 {
			t.Fatalf("invite: %d %s", r.status, r.body)
		}
		var out struct{ ID string }
		mustUnmarshal(t, r.body, &out)
		return out.ID
	}
	amina, jorge, hidden := invite(pub, "Amina Diallo"), invite(pub, "Jorge Ruiz"), invite(secret, "Hidden Person")
	if r := f.do(req{method: "DELETE", path: "/api/v1/events/" + pub + "/invites/" + jorge, token: f.alice}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	body := `{"delegates":[{"ref":"invite:` + amina + `"},{"ref":"invite:` + jorge + `","alternate":true},{"ref":"invite:` + hidden + `"},` +
		`{"ref":"organizer:` + f.bobID + `","alternate":true},{"ref":"invite:inv_gone"}]}`
	if r := f.do(req{method: "PATCH", path: "/api/v1/institutions/northvale-chr", token: f.alice, body: body, header: map[string]string{"If-Match": "*"}}); r.status != 200 {
		t.Fatalf("delegates: %d %s", r.status, r.body)
	}
	unknown := "delegate: no invitation or organizer you may see has this reference (removed, or mistyped)"
	tests := []struct {
		who        string
		has, hasNo []string
		unknowns   int
	}{
		{f.aliceID, []string{"Amina Diallo, delegate", "Jorge Ruiz, alternate (invitation withdrawn)", "Hidden Person, delegate", "Bob, alternate",
			`aria-describedby="delegates-help delegate-0-who"`, `id="delegate-0-who"`}, nil, 1},
		{f.bobID, []string{"Amina Diallo, delegate", "Bob, alternate"}, []string{"Hidden Person"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			res, page := f.page(f.appUser(tt.who), "/organizer/institutions/northvale-chr", "en")
			if res.StatusCode != 200 {
				t.Fatalf("page: %d", res.StatusCode)
			}
			page = html.UnescapeString(page)
			for _, s := range tt.has {
				if !strings.Contains(page, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tt.hasNo {
				if strings.Contains(page, s) {
					t.Errorf("shows %q", s)
				}
			}
			if n := strings.Count(page, unknown); n != tt.unknowns {
				t.Errorf("%d references to nobody, want %d", n, tt.unknowns)
			}
		})
	}
}
