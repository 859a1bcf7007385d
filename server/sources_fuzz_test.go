package server_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzSourceBody posts arbitrary bodies to POST /api/v1/sources as an
// organizer: the answer is 201 or a 4xx with the documented error body
// naming what is wrong, never a 5xx, and a password never comes back.
// Seed corpus: testdata/fuzz/FuzzSourceBody and the seeds below.
func FuzzSourceBody(f *testing.F) {
	for _, seed := range []string{
		`{"region":"europe","name":"ENNHRI","kind":"ics","url":"https://ennhri.example/cal.ics"}`,
		`{"id":"apf-dav","region":"asia-pacific","name":"APF","kind":"caldav","url":"https://dav.example/apf/","username":"u","password":"p"}`,
		`{"region":"europe","name":"\u0000","kind":"ics","url":"https://x/"}`,
		`{"region":"europe","name":"x","kind":"ics","url":"http://[::1"}`,
		`{"region":1}`, `[]`, `{"paused":"yes"}`, `{"password":"` + strings.Repeat("p", 600) + `"}`, ``,
	} {
		f.Add(seed)
	}
	fx := fuzzFixture(f)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/sources", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+fx.alice)
		rec := httptest.NewRecorder()
		fx.srv.Handler().ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusCreated:
			var out map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("201 with %q", rec.Body.String())
			}
			if _, leaked := out["password"]; leaked {
				t.Fatalf("the password came back: %s", rec.Body.String())
			}
		case rec.Code >= 400 && rec.Code < 500:
			var e struct {
				Error struct {
					Code    string            `json:"code"`
					Message string            `json:"message"`
					Fields  map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%d with body %q", rec.Code, rec.Body.String())
			}
			if rec.Code == http.StatusUnprocessableEntity && len(e.Error.Fields) == 0 {
				t.Fatalf("422 naming no field: %s", rec.Body.String())
			}
		default:
			t.Fatalf("%q: status %d %s", body, rec.Code, rec.Body.String())
		}
	})
}

// fuzzServer is one server for every input of a fuzz run.
type fuzzServer struct {
	srv   *server.Server
	alice string
}

func fuzzFixture(tb testing.TB) fuzzServer {
	st, err := store.OpenBolt(filepath.Join(tb.TempDir(), "majlis.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	token, hash := access.NewToken()
	o := access.Organizer{ID: access.NewID("org_"), Name: "Alice", Region: agenda.RegionGlobal, TokenHash: hash, Created: time.Now().UTC()}
	if err := st.CreateOrganizer(context.Background(), o); err != nil {
		tb.Fatal(err)
	}
	return fuzzServer{srv: server.New(server.Config{BaseURL: "https://majlis.example.org"}, st, agenda.New(agenda.Config{}, st)), alice: token}
}
