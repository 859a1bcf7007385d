package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/server"
)

// browserReq is a request as a browser sends it: no redirects followed,
// cookies and headers given explicitly.
type browserReq struct {
	method, path string
	form         url.Values
	json         string
	cookie       *http.Cookie
	header       map[string]string
}

func (f *fixture) browse(r browserReq) (*http.Response, string) {
	f.t.Helper()
	var body io.Reader
	switch {
	case r.form != nil:
		body = strings.NewReader(r.form.Encode())
	case r.json != "":
		body = strings.NewReader(r.json)
	}
	hr, err := http.NewRequest(r.method, f.ts.URL+r.path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	hr.Header.Set("Accept", "text/html")
	switch {
	case r.form != nil:
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case r.json != "":
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Accept", "application/json")
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(hr)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// link makes a sign-in link for organizer id, created at created.
func (f *fixture) link(id string, created time.Time) string {
	f.t.Helper()
	o, err := f.st.GetOrganizer(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	token, l := access.NewLink(o, "", created)
	if err := f.st.CreateLink(context.Background(), l); err != nil {
		f.t.Fatal(err)
	}
	return token
}

// signIn uses a fresh sign-in link for organizer id and returns the
// session cookie.
func (f *fixture) signIn(id string) *http.Cookie {
	f.t.Helper()
	res, body := f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {f.link(id, time.Now())}}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/" {
		f.t.Fatalf("sign in with a link: %d %s %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	for _, c := range res.Cookies() {
		if c.Name == "__Host-majlis_session" {
			return c
		}
	}
	f.t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
	return nil
}

// csrf reads the CSRF token from the organizer home page.
func (f *fixture) csrf(ck *http.Cookie) string {
	f.t.Helper()
	res, body := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck})
	_, after, ok := strings.Cut(body, `name="csrf" value="`)
	if res.StatusCode != http.StatusOK || !ok {
		f.t.Fatalf("home page: %d %s", res.StatusCode, body)
	}
	token, _, _ := strings.Cut(after, `"`)
	return token
}

func TestSignInLinkCookie(t *testing.T) {
	f := newFixture(t)
	res, body := f.browse(browserReq{method: "GET", path: "/organizer/sign-in?link=" + f.link(f.aliceID, time.Now())})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Welcome, Alice.") || !strings.Contains(body, `id="enrol"`) {
		t.Fatalf("landing page: %d %s", res.StatusCode, body)
	}
	ck := f.signIn(f.aliceID)
	if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" ||
		!strings.HasPrefix(ck.Value, "mjs_") {
		t.Fatalf("cookie %+v: want __Host-, HttpOnly, Secure, SameSite=Lax, Path=/", ck)
	}
	res, body = f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "Signed in as Alice") {
		t.Fatalf("home: %d %s", res.StatusCode, body)
	}
	res, _ = f.browse(browserReq{method: "GET", path: "/organizer/"})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/sign-in" {
		t.Fatalf("home without a session: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// Under plain http the cookie cannot be __Host- (it needs Secure).
	plain := serveFixture(t, server.Config{BaseURL: "http://localhost:8080"}, nil)
	res, _ = plain.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {plain.link(plain.aliceID, time.Now())}}})
	if cs := res.Cookies(); len(cs) != 1 || cs[0].Name != "majlis_session" || cs[0].Secure || !cs[0].HttpOnly {
		t.Fatalf("cookie under http: %v", res.Header["Set-Cookie"])
	}
}

func TestBadSignInLinksChangeNothing(t *testing.T) {
	f := newFixture(t)
	used := f.link(f.aliceID, time.Now())
	if res, _ := f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {used}}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first use: %d", res.StatusCode)
	}
	tests := []struct {
		name   string
		link   string
		status int
		lang   string
		want   string
	}{
		{"reused", used, http.StatusGone, "en", "This sign-in link was already used"},
		{"reused, in French", used, http.StatusGone, "fr", "Ce lien de connexion a déjà servi"},
		{"expired", f.link(f.aliceID, time.Now().Add(-access.LinkTTL)), http.StatusGone, "es", "Este enlace de acceso ha caducado"},
		{"forged", "mjl_" + strings.Repeat("x", 43), http.StatusBadRequest, "ar", "رابط الدخول هذا غير صالح"},
		{"too long", "mjl_" + strings.Repeat("x", 500), http.StatusBadRequest, "en", "This sign-in link is not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Accept-Language": tc.lang}
			res, body := f.browse(browserReq{method: "GET", path: "/organizer/sign-in?link=" + url.QueryEscape(tc.link), header: h})
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("landing: %d, want %d with %q: %s", res.StatusCode, tc.status, tc.want, body)
			}
			res, body = f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {tc.link}}, header: h})
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) || len(res.Cookies()) != 0 {
				t.Fatalf("use: %d, want %d with %q and no cookie: %v %s", res.StatusCode, tc.status, tc.want, res.Header["Set-Cookie"], body)
			}
		})
	}
	if all, err := f.st.ListSessions(context.Background(), f.aliceID); err != nil || len(all) != 1 {
		t.Fatalf("sessions: %d %v, want only the first use's", len(all), err)
	}
}

func TestSessionAfterRevokeAndSignOut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	revoked, other := f.signIn(f.aliceID), f.signIn(f.bobID)
	if err := f.st.RevokeOrganizer(ctx, f.aliceID); err != nil {
		t.Fatal(err)
	}
	res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: revoked})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/sign-in" {
		t.Fatalf("home after revoke: %d", res.StatusCode)
	}
	r := f.do(req{method: "GET", path: "/api/v1/sessions", header: map[string]string{"Cookie": revoked.Name + "=" + revoked.Value}})
	if code, _ := errorOf(t, r); r.status != http.StatusUnauthorized || code != "unauthorized" {
		t.Fatalf("API after revoke: %d %s", r.status, code)
	}
	// Bob's sessions: one ended from another, one signed out.
	b2 := f.signIn(f.bobID)
	csrf := f.csrf(other)
	r = f.do(req{method: "GET", path: "/api/v1/sessions", header: map[string]string{"Cookie": other.Name + "=" + other.Value}})
	var list struct {
		Sessions []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil || len(list.Sessions) != 2 {
		t.Fatalf("sessions: %d %s", r.status, r.body)
	}
	victim := list.Sessions[1].ID
	if list.Sessions[1].Current {
		victim = list.Sessions[0].ID
	}
	r = f.do(req{method: "DELETE", path: "/api/v1/sessions/" + victim,
		header: map[string]string{"Cookie": other.Name + "=" + other.Value, "X-CSRF-Token": csrf}})
	if r.status != http.StatusNoContent {
		t.Fatalf("end a session: %d %s", r.status, r.body)
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: b2}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ended session still opens the app: %d", res.StatusCode)
	}
	res, _ = f.browse(browserReq{method: "POST", path: "/organizer/sign-out", cookie: other, form: url.Values{"csrf": {csrf}}})
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 || res.Cookies()[0].MaxAge >= 0 {
		t.Fatalf("sign out: %d %v", res.StatusCode, res.Header["Set-Cookie"])
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: other}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed-out session still opens the app: %d", res.StatusCode)
	}
}

func TestSessionIdleTimeout(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := serveFixture(t, server.Config{BaseURL: "https://majlis.example.org", Now: clock}, nil)
	ck := f.signIn(f.aliceID)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	advance(access.SessionIdle - time.Minute)
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck}); res.StatusCode != http.StatusOK {
		t.Fatalf("used within the idle timeout: %d", res.StatusCode)
	}
	advance(access.SessionIdle)
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("idle past the timeout: %d", res.StatusCode)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	other := f.csrf(f.signIn(f.aliceID))
	cookie := ck.Name + "=" + ck.Value
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no token", map[string]string{"Cookie": cookie}, http.StatusForbidden},
		{"another session's token", map[string]string{"Cookie": cookie, "X-CSRF-Token": other}, http.StatusForbidden},
		{"from another origin", map[string]string{"Cookie": cookie, "X-CSRF-Token": csrf, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", map[string]string{"Cookie": cookie, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"same site, with its token", map[string]string{"Cookie": cookie, "X-CSRF-Token": csrf, "Origin": "https://majlis.example.org", "Sec-Fetch-Site": "same-origin"}, http.StatusCreated},
		{"a bearer token needs none", map[string]string{"Authorization": "Bearer " + f.alice}, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(req{method: "POST", path: "/api/v1/tokens", body: `{"name":"sync"}`, header: tc.header})
			if r.status != tc.status {
				t.Fatalf("%d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status == http.StatusForbidden {
				if code, _ := errorOf(t, r); code != "csrf" {
					t.Fatalf("code %q", code)
				}
			}
		})
	}
	if ts, err := f.st.ListTokens(context.Background(), f.aliceID); err != nil || len(ts) != 2 {
		t.Fatalf("tokens: %d %v, want the two allowed ones only", len(ts), err)
	}
	// A form without the token is refused with a page, and changes nothing.
	res, body := f.browse(browserReq{method: "POST", path: "/organizer/sign-out", cookie: ck, form: url.Values{}, header: map[string]string{"Accept-Language": "fr"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Cette demande a été refusée") {
		t.Fatalf("form without token: %d %s", res.StatusCode, body)
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck}); res.StatusCode != http.StatusOK {
		t.Fatalf("the refused sign-out signed out: %d", res.StatusCode)
	}
	// Sign-in with a link from another site's page is refused too (login CSRF).
	res, _ = f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {f.link(f.bobID, time.Now())}},
		header: map[string]string{"Origin": "https://evil.example"}})
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Fatalf("cross-site sign-in: %d %v", res.StatusCode, res.Header["Set-Cookie"])
	}
}

func TestNamedTokens(t *testing.T) {
	f := newFixture(t)
	r := f.do(req{method: "POST", path: "/api/v1/tokens", body: `{"name":"calendar sync"}`, token: f.alice})
	var made struct {
		ID, Name, Token string
	}
	if err := json.Unmarshal(r.body, &made); r.status != http.StatusCreated || err != nil || !strings.HasPrefix(made.Token, "mjo_") {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/sessions", token: made.Token}); r.status != http.StatusOK {
		t.Fatalf("the new token does not work: %d", r.status)
	}
	r = f.do(req{method: "GET", path: "/api/v1/tokens", token: f.alice})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"name":"calendar sync"`) || strings.Contains(string(r.body), made.Token) ||
		strings.Contains(string(r.body), `"last_used":null`) {
		t.Fatalf("list (last use recorded, token never shown): %s", r.body)
	}
	if r := f.do(req{method: "DELETE", path: "/api/v1/tokens/" + made.ID, token: f.bob}); r.status != http.StatusNotFound {
		t.Fatalf("bob revoked alice's token: %d", r.status)
	}
	if r := f.do(req{method: "DELETE", path: "/api/v1/tokens/" + made.ID, token: f.alice}); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/tokens", token: made.Token}); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token still works: %d", r.status)
	}
	for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("n", access.MaxTokenName+1) + `"}`, `{"name":"a\u0007b"}`} {
		r := f.do(req{method: "POST", path: "/api/v1/tokens", body: body, token: f.alice})
		if _, fields := errorOf(t, r); r.status != http.StatusBadRequest || fields["name"] == "" {
			t.Errorf("%s: %d %v", body, r.status, fields)
		}
	}
}

func TestSignInLinkAPI(t *testing.T) {
	f := newFixture(t)
	regional, hash := access.NewToken()
	o := access.Organizer{ID: "org_nanhri", Name: "NANHRI secretariat", Region: agenda.RegionAfrica, TokenHash: hash, Created: time.Now()}
	if err := f.st.CreateOrganizer(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/organizers/" + f.bobID + "/sign-in-link", token: regional}); r.status != http.StatusForbidden {
		t.Fatalf("a regional secretariat made a link: %d", r.status)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/organizers/org_nobody/sign-in-link", token: f.alice}); r.status != http.StatusNotFound {
		t.Fatalf("unknown organizer: %d", r.status)
	}
	r := f.do(req{method: "POST", path: "/api/v1/organizers/org_nanhri/sign-in-link", token: f.alice})
	var out struct{ URL string }
	if err := json.Unmarshal(r.body, &out); r.status != http.StatusCreated || err != nil || !strings.HasPrefix(out.URL, "https://majlis.example.org/organizer/sign-in?link=mjl_") {
		t.Fatalf("link: %d %s", r.status, r.body)
	}
	link := strings.TrimPrefix(out.URL, "https://majlis.example.org/organizer/sign-in?link=")
	res, _ := f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {link}}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("using it: %d", res.StatusCode)
	}
}

func TestSignInAttemptsAreLimited(t *testing.T) {
	f := newFixture(t)
	limited := false
	for range 40 {
		res, _ := f.browse(browserReq{method: "POST", path: "/organizer/sign-in", form: url.Values{"link": {"mjl_" + strings.Repeat("y", 43)}}})
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("40 forged links in a row from one address were all tried")
	}
}

func TestPasskeyCeremoniesAreSingleUse(t *testing.T) {
	f := newFixture(t)
	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	cookie := map[string]string{"Cookie": ck.Name + "=" + ck.Value, "X-CSRF-Token": csrf}
	if r := f.do(req{method: "POST", path: "/organizer/passkeys/enrol/begin", body: `{}`}); r.status != http.StatusUnauthorized {
		t.Fatalf("enrol without a link or a session: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/organizer/passkeys/enrol/begin", body: `{}`, header: map[string]string{"Cookie": cookie["Cookie"]}}); r.status != http.StatusForbidden {
		t.Fatalf("enrol with the cookie, without the CSRF token: %d %s", r.status, r.body)
	}
	r := f.do(req{method: "POST", path: "/organizer/passkeys/enrol/begin", body: `{}`, header: cookie})
	var begun struct {
		Ceremony string `json:"ceremony"`
		Options  struct {
			PublicKey struct {
				RP struct {
					ID string `json:"id"`
				} `json:"rp"`
				User struct {
					ID string `json:"id"`
				} `json:"user"`
				AuthenticatorSelection struct {
					ResidentKey string `json:"residentKey"`
				} `json:"authenticatorSelection"`
			} `json:"publicKey"`
		} `json:"options"`
	}
	if err := json.Unmarshal(r.body, &begun); r.status != http.StatusOK || err != nil || begun.Ceremony == "" ||
		begun.Options.PublicKey.RP.ID != "majlis.example.org" || begun.Options.PublicKey.AuthenticatorSelection.ResidentKey != "required" {
		t.Fatalf("enrol begin: %d %s", r.status, r.body)
	}
	finish := "/organizer/passkeys/enrol/finish?ceremony=" + begun.Ceremony
	bogus := `{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`
	if r := f.do(req{method: "POST", path: finish, body: bogus, header: cookie}); r.status != http.StatusUnauthorized {
		t.Fatalf("a forged answer: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "POST", path: finish, body: bogus, header: cookie})
	if code, _ := errorOf(t, r); r.status != http.StatusBadRequest || code != "ceremony_expired" {
		t.Fatalf("the same ceremony twice: %d %s", r.status, code)
	}
	r = f.do(req{method: "POST", path: "/organizer/passkeys/login/begin", body: `{}`})
	var login struct{ Ceremony string }
	if err := json.Unmarshal(r.body, &login); r.status != http.StatusOK || err != nil || login.Ceremony == "" {
		t.Fatalf("login begin: %d %s", r.status, r.body)
	}
	r = f.do(req{method: "POST", path: "/organizer/passkeys/enrol/finish?ceremony=" + login.Ceremony, body: bogus, header: cookie})
	if code, _ := errorOf(t, r); r.status != http.StatusBadRequest || code != "ceremony_expired" {
		t.Fatalf("a login ceremony finishing an enrolment: %d %s", r.status, code)
	}
	if keys, err := f.st.ListPasskeys(context.Background(), f.aliceID); err != nil || len(keys) != 0 {
		t.Fatalf("passkeys: %v %v", keys, err)
	}
	// A link's enrolment that fails leaves the link usable.
	link := f.link(f.bobID, time.Now())
	r = f.do(req{method: "POST", path: "/organizer/passkeys/enrol/begin", body: `{"link":"` + link + `"}`})
	if err := json.Unmarshal(r.body, &begun); r.status != http.StatusOK || err != nil {
		t.Fatalf("enrol with a link: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "POST", path: "/organizer/passkeys/enrol/finish?ceremony=" + begun.Ceremony, body: bogus}); r.status != http.StatusUnauthorized {
		t.Fatalf("a forged answer: %d %s", r.status, r.body)
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/sign-in?link=" + link}); res.StatusCode != http.StatusOK {
		t.Fatalf("the link after a failed enrolment: %d", res.StatusCode)
	}
}

func TestHomeForms(t *testing.T) {
	f := newFixture(t)
	ck := f.signIn(f.aliceID)
	csrf := f.csrf(ck)
	post := func(path string, form url.Values, lang string) (*http.Response, string) {
		form.Set("csrf", csrf)
		return f.browse(browserReq{method: "POST", path: path, cookie: ck, form: form, header: map[string]string{"Accept-Language": lang}})
	}
	res, body := post("/organizer/tokens", url.Values{"name": {strings.Repeat("n", 61)}}, "es")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Dé al token un nombre") || !strings.Contains(body, `aria-invalid="true"`) {
		t.Fatalf("a bad token name: %d %s", res.StatusCode, body)
	}
	res, body = post("/organizer/tokens", url.Values{"name": {"sync script"}}, "en")
	_, after, _ := strings.Cut(body, `<code id="new-token" dir="ltr">`)
	token, _, _ := strings.Cut(after, "<")
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(token, "mjo_") {
		t.Fatalf("make a token: %d %s", res.StatusCode, body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/tokens", token: token}); r.status != http.StatusOK {
		t.Fatalf("the token from the form: %d", r.status)
	}
	if _, body := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: ck}); strings.Contains(body, token) {
		t.Fatal("the token is shown again")
	}
	ts, _ := f.st.ListTokens(context.Background(), f.aliceID)
	if res, _ := post("/organizer/tokens/"+ts[0].ID+"/revoke", url.Values{}, "en"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/tokens", token: token}); r.status != http.StatusUnauthorized {
		t.Fatalf("the revoked token: %d", r.status)
	}

	// Head office makes a sign-in link for Bob; a regional secretariat
	// cannot.
	res, body = post("/organizer/sign-in-links", url.Values{"organizer": {f.bobID}}, "fr")
	if res.StatusCode != http.StatusCreated || !strings.Contains(body, "https://majlis.example.org/organizer/sign-in?link=mjl_") {
		t.Fatalf("a link for Bob: %d %s", res.StatusCode, body)
	}
	_, hash := access.NewToken()
	if err := f.st.CreateOrganizer(context.Background(), access.Organizer{ID: "org_rindhca", Name: "RINDHCA", Region: agenda.RegionAmericas, TokenHash: hash, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	rc := f.signIn("org_rindhca")
	rcsrf := f.csrf(rc)
	res, body = f.browse(browserReq{method: "POST", path: "/organizer/sign-in-links", cookie: rc, form: url.Values{"csrf": {rcsrf}, "organizer": {f.bobID}}})
	if res.StatusCode != http.StatusBadRequest || strings.Contains(body, "link=mjl_") || !strings.Contains(body, "No sign-in link could be made") {
		t.Fatalf("a regional secretariat's link: %d %s", res.StatusCode, body)
	}

	// End another session from the list; ending one's own signs out.
	other := f.signIn(f.aliceID)
	all, _ := f.st.ListSessions(context.Background(), f.aliceID)
	var otherID, ownID string
	for _, se := range all {
		if se.Hash == access.HashToken(other.Value) {
			otherID = se.ID
		}
		if se.Hash == access.HashToken(ck.Value) {
			ownID = se.ID
		}
	}
	if res, _ := post("/organizer/sessions/"+otherID+"/end", url.Values{}, "en"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/" {
		t.Fatalf("end another session: %d", res.StatusCode)
	}
	if res, _ := f.browse(browserReq{method: "GET", path: "/organizer/", cookie: other}); res.StatusCode != http.StatusSeeOther {
		t.Fatal("the ended session still works")
	}
	if res, _ := post("/organizer/sessions/"+ownID+"/end", url.Values{}, "en"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/organizer/sign-in" {
		t.Fatalf("end one's own session: %d", res.StatusCode)
	}
}
