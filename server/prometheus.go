package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/majlis/majlis/internal/redisconn"
)

// The Prometheus metrics (GET /metrics on the debug listener; docs/metrics.md
// describes each). Each figure is counted in one place — the room's
// counters (realtime.Node.Stats), the feed cache, the Syncer, the Redis
// clients, the request log — and read when scraped, so /metrics and
// /debug/metrics can never disagree. Labels are bounded sets (a route's
// pattern, never its path: event IDs, some of them confidential, and
// feed tokens stay out).
var (
	descConnections = prometheus.NewDesc("majlis_connections",
		"Websocket connections in this instance's rooms.", nil, nil)
	descRooms = prometheus.NewDesc("majlis_rooms",
		"Rooms this instance serves (with a local member, or lingering).", nil, nil)
	descDeliveries = prometheus.NewDesc("majlis_deliveries_total",
		"Messages queued for a connection, one per recipient, by kind (text: JSON messages; audio: frames).", []string{"kind"}, nil)
	descWrites = prometheus.NewDesc("majlis_socket_writes_total",
		"Write calls that sent connections their queued messages; one carries several when messages wait for the write delay or queue behind a slow socket (deliveries / writes: messages per write).", nil, nil)
	descDrops = prometheus.NewDesc("majlis_drops_total",
		"Messages a connection did not get: queue_full (its queue was full; it is closed with 4000), discarded (queued for a connection being closed), audio_rate (frames over a publisher's rate).", []string{"reason"}, nil)
	descCloses = prometheus.NewDesc("majlis_closes_total",
		"Connections the server closed, by close code (4000: a slow client whose queue overflowed; docs/protocol.md lists them).", []string{"code"}, nil)
	descPublish = prometheus.NewDesc("majlis_backend_publish_seconds",
		"How long the room backend (bbolt or Redis) took to publish a room message, durably.", nil, nil)
	descBackendErrors = prometheus.NewDesc("majlis_backend_errors_total",
		"Room backend calls that failed (not counting a conditional publish that lost a race).", nil, nil)
	descRedisErrors = prometheus.NewDesc("majlis_redis_errors_total",
		"Redis calls that failed, by the client that made them (store or broker).", []string{"client"}, nil)
	descFeedHits = prometheus.NewDesc("majlis_feed_cache_hits_total",
		"Calendar feed requests answered from the feed cache.", nil, nil)
	descFeedBuilds = prometheus.NewDesc("majlis_feed_builds_total",
		"Calendar feeds built (a request the cache could not answer).", nil, nil)
	descSync = prometheus.NewDesc("majlis_sync_results_total",
		"Regional calendar syncs recorded, by source kind (ics, caldav) and result (changed, not_modified, error).", []string{"kind", "result"}, nil)
)

// redisClients are the Redis clients counted in majlis_redis_errors_total,
// always exported (0 when the deployment has no Redis) so that a
// dashboard finds the series.
var redisClients = []string{"store", "broker"}

// figures is the collector of the counted figures.
type figures struct{ s *Server }

func (f figures) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnections, descRooms, descDeliveries, descWrites, descDrops, descCloses,
		descPublish, descBackendErrors, descRedisErrors, descFeedHits, descFeedBuilds, descSync} {
		ch <- d
	}
}

func (f figures) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v int, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), labels...)
	}
	count := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	st := f.s.rooms.Stats()
	gauge(descConnections, st.Clients)
	gauge(descRooms, st.Rooms)
	count(descDeliveries, st.Delivered.Text, "text")
	count(descDeliveries, st.Delivered.Audio, "audio")
	count(descWrites, st.Writes)
	count(descDrops, st.Dropped.QueueFull, "queue_full")
	count(descDrops, st.Dropped.Discarded, "discarded")
	count(descDrops, st.Dropped.AudioRate, "audio_rate")
	if _, ok := st.Closes[4000]; !ok {
		st.Closes[4000] = 0 // the one a dashboard watches
	}
	for code, n := range st.Closes {
		count(descCloses, n, strconv.Itoa(code))
	}
	buckets := make(map[float64]uint64, len(st.Publish.Bounds))
	for i, b := range st.Publish.Bounds {
		buckets[b] = st.Publish.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(descPublish, st.Publish.Count, st.Publish.Sum, buckets)
	count(descBackendErrors, st.BackendErrors)
	redis := redisconn.Errors()
	for _, c := range redisClients {
		count(descRedisErrors, redis[c], c)
	}
	count(descFeedHits, f.s.feeds.hits.Load())
	count(descFeedBuilds, f.s.feeds.builds.Load())
	if f.s.sync != nil {
		for kind, results := range f.s.sync.SyncStats() {
			for result, n := range results {
				count(descSync, n, string(kind), string(result))
			}
		}
	}
}

// newRegistry gathers the Go runtime's and the process's collectors, the
// counted figures and the request counter.
func (s *Server) newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "majlis_http_requests_total",
		Help: "HTTP requests on the public listener, by method, route pattern (never the path) and status (101: a websocket upgrade).",
	}, []string{"method", "route", "status"})
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		figures{s: s},
		s.requests,
	)
	return reg
}

// countRequest counts a request answered by the public listener (see
// logRequests, which calls it once the answer is committed).
func (s *Server) countRequest(c echo.Context) {
	route := c.Path() // a registered pattern, or "" when none matched
	if route == "" {
		route = "unmatched"
	}
	status := c.Response().Status
	if !c.Response().Committed && c.Request().Header.Get("Upgrade") != "" {
		status = http.StatusSwitchingProtocols // hijacked by the websocket upgrade
	}
	method := c.Request().Method
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // the method is the client's to choose: keep the set bounded
	}
	s.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
}

// prometheusMetrics answers GET /metrics in the Prometheus text format
// (or OpenMetrics, when asked).
func (s *Server) prometheusMetrics() echo.HandlerFunc {
	h := promhttp.HandlerFor(s.metricsRegistry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return echo.WrapHandler(h)
}
