package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/majlis/majlis/realtime"
)

// scrape reads /metrics from f's debug handler and parses it with the
// Prometheus text parser.
func scrape(t *testing.T, f *fixture) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	r := debugGet(t, f, "/metrics")
	if r.status != http.StatusOK {
		t.Fatalf("/metrics: %d %.300s", r.status, r.body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams, r.body
}

// series is the value of the series of family name whose labels include
// labels (name=value pairs); -1 when there is none. A histogram gives its
// count.
func series(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	fam, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range fam.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
	}
	return -1
}

// TestPrometheusMetricsMoveWithTraffic: /metrics on the debug listener
// parses as Prometheus text, and its figures follow real traffic — a
// room join, a published message, a feed fetched twice (one build, one
// hit), requests counted by route pattern and status — without an event
// ID anywhere, a confidential one included.
func TestPrometheusMetricsMoveWithTraffic(t *testing.T) {
	f := newRoomFixture(t, nil)
	secret := f.create(meetingBody("am-secret", "confidential"), f.alice)["id"].(string)
	before, _ := scrape(t, f.fixture)
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "process_resident_memory_bytes", "majlis_connections"} {
		if series(before, name) < 0 {
			t.Errorf("%s missing", name)
		}
	}

	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	amina := f.anon("Amina")
	host.expect(realtime.MsgJoin)
	amina.send(realtime.CmdChat, "c1", map[string]string{"text": "hello"})
	host.expect(realtime.MsgChat)
	amina.expect(realtime.MsgChat)
	for range 2 {
		if r := f.do(req{method: "GET", path: "/feeds/all.ics"}); r.status != http.StatusOK {
			t.Fatalf("feed: %d", r.status)
		}
	}
	for _, path := range []string{"/api/v1/events/" + secret, "/events/" + secret, "/feeds/events/" + secret + ".ics", "/no/such/" + secret} {
		f.do(req{method: "GET", path: path}) // 404s: the public may not see it
	}
	f.do(req{method: "GET", path: "/api/v1/events/" + secret, token: f.alice})

	after, body := scrape(t, f.fixture)
	moved := func(name string, labels ...string) float64 {
		return series(after, name, labels...) - max(series(before, name, labels...), 0)
	}
	tests := []struct {
		name   string
		metric string
		labels []string
		expect func(float64) bool
		want   string
	}{
		{"one room", "majlis_rooms", nil, func(v float64) bool { return v == 1 }, "1"},
		{"two connections", "majlis_connections", nil, func(v float64) bool { return v == 2 }, "2"},
		{"joins and a chat published", "majlis_backend_publish_seconds", nil, func(v float64) bool { return v >= 3 }, "≥ 3 more"},
		{"messages delivered", "majlis_deliveries_total", []string{"kind", "text"}, func(v float64) bool { return v >= 5 }, "≥ 5 more (2 welcomes, a join, a chat twice)"},
		{"one feed built", "majlis_feed_builds_total", nil, func(v float64) bool { return v == 1 }, "1 more"},
		{"one feed from the cache", "majlis_feed_cache_hits_total", nil, func(v float64) bool { return v == 1 }, "1 more"},
		{"feed requests by route", "majlis_http_requests_total", []string{"route", "/feeds/all.ics", "status", "200", "method", "GET"}, func(v float64) bool { return v == 2 }, "2 more"},
		{"websocket upgrades", "majlis_http_requests_total", []string{"route", "/ws/rooms/:id", "status", "101"}, func(v float64) bool { return v == 2 }, "2 more"},
		{"a hidden event is a 404 by its pattern", "majlis_http_requests_total", []string{"route", "/api/v1/events/:id", "status", "404"}, func(v float64) bool { return v == 1 }, "1 more"},
		{"unmatched paths", "majlis_http_requests_total", []string{"route", "unmatched", "status", "404"}, func(v float64) bool { return v == 1 }, "1 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got float64
			if tt.metric == "majlis_rooms" || tt.metric == "majlis_connections" {
				got = series(after, tt.metric, tt.labels...)
			} else {
				got = moved(tt.metric, tt.labels...)
			}
			if !tt.expect(got) {
				t.Errorf("%s%v: %g, want %s", tt.metric, tt.labels, got, tt.want)
			}
		})
	}
	for _, name := range []string{"majlis_closes_total", "majlis_drops_total", "majlis_backend_errors_total", "majlis_redis_errors_total", "majlis_sync_results_total"} {
		if series(after, name) < 0 {
			t.Errorf("%s missing", name)
		}
	}
	for _, leak := range []string{secret, roomEvent, "Amina", "am-secret", "m-"} {
		if bytes.Contains(body, []byte(leak)) {
			t.Errorf("/metrics names %q", leak)
		}
	}
	if r := f.do(req{method: "GET", path: "/metrics"}); r.status != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %d, want 404", r.status)
	}
}

// TestGrafanaDashboardQueriesExistingMetrics: docs/grafana-majlis.json
// parses, every panel queries something, and every metric it names is in
// a scrape of /metrics (a renamed metric would leave a blank panel).
func TestGrafanaDashboardQueriesExistingMetrics(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../docs/grafana-majlis.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Name       string
				Definition string
			}
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	if dash.Title == "" || len(dash.Panels) == 0 {
		t.Fatalf("title %q, %d panels", dash.Title, len(dash.Panels))
	}
	f := newFixture(t)
	f.do(req{method: "GET", path: "/healthz"}) // a request counter has series once a request came
	fams, _ := scrape(t, f)
	name := regexp.MustCompile(`\b(?:majlis|go|process)_[a-z0-9_]+\b`)
	exists := func(m string) bool {
		for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(m, suffix); ok && fams[base] != nil {
				return true
			}
		}
		return false
	}
	exprs := map[string]string{}
	for _, v := range dash.Templating.List {
		if v.Definition != "" {
			exprs["variable "+v.Name] = v.Definition
		}
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for i, q := range p.Targets {
			exprs[fmt.Sprintf("panel %q query %d", p.Title, i)] = q.Expr
		}
	}
	for where, expr := range exprs {
		metrics := name.FindAllString(expr, -1)
		if len(metrics) == 0 {
			t.Errorf("%s names no metric: %s", where, expr)
		}
		for _, m := range metrics {
			if !exists(m) {
				t.Errorf("%s: %s is not in /metrics", where, m)
			}
		}
	}
}
