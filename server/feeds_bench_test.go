package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkFeedCached measures the server's own cost for a cached feed
// (full body and 304), without the network: the handler, middleware and
// cache lookup.
func BenchmarkFeedCached(b *testing.B) {
	t := &testing.T{}
	f := feedFixture(t)
	h := f.srv.Handler()
	get := func(etag string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/feeds/all.ics?lang=en", nil)
		if etag != "" {
			r.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	etag := get("").Header().Get("ETag")
	b.Run("200", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if w := get(""); w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
	b.Run("304", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if w := get(etag); w.Code != 304 {
				b.Fatal(w.Code)
			}
		}
	})
}
