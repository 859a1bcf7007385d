package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/caption"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/ratelimit"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/registration"
)

// Store is what the server needs from storage.
type Store interface {
	agenda.Store
	access.Store
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
}

// Config tunes a Server.
type Config struct {
	// BaseURL is the public URL of this service, used in links and feeds.
	// Default: "http://localhost:8080".
	BaseURL string
	// UIDDomain is the domain of the feeds' UIDs (calendar.Feed.UIDDomain),
	// independent of BaseURL so that moving the service changes no UID.
	// Default: calendar.DefaultUIDDomain.
	UIDDomain string
	// BodyLimit caps request bodies. Default: "1M".
	BodyLimit string
	// Logger receives request and error logs. Default: slog.Default().
	Logger *slog.Logger
	// Version is reported by /healthz. Default: "dev".
	Version string
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
	// Secret signs the private feed URLs majlis hands out (join tokens are
	// stored invitations instead); at least 32 bytes, kept across restarts
	// so that issued URLs stay valid. Default: random per process, so tokens die with it.
	Secret []byte
	// Rooms runs the websocket rooms. Default: a realtime.Node over an
	// in-process broker.Memory (one instance).
	Rooms *realtime.Node
	// AllowedOrigins are the origins (scheme://host[:port]) whose pages may
	// open room websockets, besides BaseURL's own. Default: none.
	AllowedOrigins []string
	// WorkingHours are regions' working hours in their reference zones, for
	// fair meeting slots. Default: calendar.DefaultWorkingHours (08:00–20:00,
	// Monday to Friday) for every region.
	WorkingHours map[agenda.Region]calendar.WorkingHours
	// TrustedProxies are the networks (CIDR, or single addresses) of the
	// reverse proxies and load balancers in front of majlis: only requests
	// coming from them have their client address taken from
	// X-Forwarded-For, for the per-address rate limits. Default: none —
	// the address is the connection's peer, and a client cannot pick a new
	// one for each request by sending the header. New panics on an
	// unparsable entry (cmd/majlis checks them first).
	TrustedProxies []string
	// JoinRate and JoinBurst limit room joins per client address: JoinRate
	// joins a second on average, JoinBurst at once. Default: 2 and 20.
	JoinRate  rate.Limit
	JoinBurst int
	// Sync keeps the regional calendar sources in step (/api/v1/sources);
	// its owner runs it. Default: a Syncer over the store when the store
	// keeps sources (calendar.Store), not running, so sources sync only
	// when asked (POST /api/v1/sources/{id}/sync); none otherwise (404).
	Sync *calendar.Syncer
	// AuditKeep is how many entries the audit log keeps (the newest).
	// Default: audit.Keep (10,000).
	AuditKeep int
	// Mailer sends registrants' mails (registration.go). Default: none;
	// registrants find everything on their personal page.
	Mailer registration.Mailer
	// UserAssignedCountries accepts the user-assigned ISO 3166-1 codes
	// (XA…XZ and the like) as institutions' countries, for the demo's
	// fictional registry. Default false.
	UserAssignedCountries bool
}

// Server is the majlis HTTP server.
type Server struct {
	cfg    Config
	store  Store
	agenda *agenda.Service
	echo   *echo.Echo
	log    *slog.Logger
	pages  *pages
	rooms  *realtime.Node
	feeds  *feedCache
	// planner ranks meeting slots (planRoutes).
	planner *calendar.Planner
	langs   []string // svc.Languages(), read-only
	// sync and syncStore serve /api/v1/sources; nil when there are none.
	sync      *calendar.Syncer
	syncStore calendar.Store
	// signin runs the organizer app's sign-in (organizerRoutes).
	signin *signIn
	// auditLog keeps the audit log (audit.go); nil when the store does not.
	auditLog audit.Store
	// metricsRegistry holds the Prometheus collectors (prometheus.go), requests
	// the public listener's request counter (logRequests counts).
	metricsRegistry *prometheus.Registry
	requests        *prometheus.CounterVec
	// captions serves live captions (captions.go); nil when the store
	// keeps none.
	captions *caption.Service
	// reg runs webinar registration (registration.go); nil when the store
	// keeps no registrations.
	reg *webinars
	// institutions and ballots run the general assembly (institutions.go,
	// assembly.go); nil when the store keeps no assembly data.
	institutions *institution.Service
	ballots      *ballot.Service
	// limits counts every rate limit (ratelimit.go): the store when it
	// counts them (shared by every instance), else this instance's memory.
	limits ratelimit.Counter
}

// New builds a Server over store with every route registered.
func New(cfg Config, store Store, svc *agenda.Service) *Server {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://localhost:8080"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "1M"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.JoinRate == 0 {
		cfg.JoinRate = 2
	}
	if cfg.AuditKeep <= 0 {
		cfg.AuditKeep = audit.Keep
	}
	if cfg.JoinBurst == 0 {
		cfg.JoinBurst = 20
	}
	if n := len(cfg.Secret); n > 0 && n < 32 {
		panic("server: Config.Secret must have at least 32 bytes")
	}
	if len(cfg.Secret) == 0 {
		cfg.Secret = make([]byte, 32)
		if _, err := rand.Read(cfg.Secret); err != nil {
			panic("server: no randomness: " + err.Error())
		}
	}
	if cfg.Rooms == nil {
		cfg.Rooms = realtime.New(realtime.Config{Now: cfg.Now, Logger: cfg.Logger},
			broker.NewMemory(broker.MemoryConfig{Now: cfg.Now}), store)
	}
	s := &Server{cfg: cfg, store: store, agenda: svc, log: cfg.Logger, rooms: cfg.Rooms, langs: svc.Languages()}
	if as, ok := store.(audit.Store); ok {
		s.auditLog = as
	}
	s.limits = &ratelimit.Memory{}
	if ls, ok := store.(ratelimit.Counter); ok {
		s.limits = ls
	}
	if cs, ok := store.(caption.Store); ok {
		s.captions = caption.New(caption.Config{Languages: s.langs, Now: cfg.Now, Limits: s.limits}, cs)
	}
	if cs, ok := store.(calendar.Store); ok && cfg.Sync == nil {
		cfg.Sync = calendar.NewSyncer(calendar.SyncConfig{BaseURL: cfg.BaseURL, UIDDomain: cfg.UIDDomain, Logger: cfg.Logger, Now: cfg.Now}, cs, svc)
	}
	if cfg.Sync != nil {
		s.sync, s.syncStore = cfg.Sync, cfg.Sync.Store()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientAddress(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	// The security headers come before anything that may answer on its
	// own (the body limit's 413, a panic's 500, a missing route): every
	// answer carries them.
	// Requests are logged and counted outside the recovery and the body
	// limit, so that their answers are counted too.
	e.Pre(securityHeaders)
	e.Use(s.logRequests)
	e.Use(middleware.Recover())
	e.Use(middleware.BodyLimit(cfg.BodyLimit))
	e.Use(s.authenticate)
	s.echo = e
	s.pages = newPages()
	s.feeds = newFeedCache(feedCacheSize)
	s.metricsRegistry = s.newRegistry()
	s.planner = calendar.NewPlanner(calendar.PlannerConfig{Zone: s.agenda.Zone, Hours: s.cfg.WorkingHours})
	s.signin = s.newSignIn(s.cfg.BaseURL)
	s.reg = newWebinars(cfg, store, s.langs)
	s.assembly(store, cfg)
	s.routes(e)
	return s
}

// Handler returns the http.Handler serving every public route (the debug
// endpoints are on DebugHandler).
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router to tests that enumerate routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("readyz: store unreachable", "err", err)
		return c.JSON(http.StatusServiceUnavailable, errorBody{Error: errorDetail{Code: "store_unavailable", Message: "the store is not reachable"}})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// logRequests commits the answer (through handleError for an error),
// counts it (countRequest) and, at debug level, logs it.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.countRequest(c)
		// Paths may carry secret feed tokens: log the route pattern, not the URL.
		if s.log.Enabled(c.Request().Context(), slog.LevelDebug) {
			s.log.Debug("request", "method", c.Request().Method, "route", c.Path(),
				"status", c.Response().Status, "dur", time.Since(start))
		}
		return nil
	}
}

// securityHeaderValues are set on every response. The slices are shared
// and never modified (net/http only reads them), so setting them costs no
// allocation.
var securityHeaderValues = map[string][]string{
	"Content-Security-Policy": {"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
	"X-Content-Type-Options":  {"nosniff"},
	"X-Frame-Options":         {"DENY"},
	"Referrer-Policy":         {"no-referrer"},
	"X-Xss-Protection":        {"0"},
}

// securityHeaders sets the security headers: pages load nothing from
// elsewhere, run no inline script or style, and cannot be framed.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range securityHeaderValues {
			h[k] = v
		}
		return next(c)
	}
}

// principalKey is the echo context key holding the caller's access.Principal.
const principalKey = "majlis.principal"

// authenticate resolves an optional bearer token, else the organizer
// app's session cookie (fromSession: a cookie-authenticated request is a
// Principal like a token one, and a state-changing one needs the CSRF
// token). A malformed, unknown or revoked token is an error (401), never
// silently anonymous: an organizer whose token stopped working must be
// told.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			if err := s.fromSession(c); err != nil {
				return err
			}
			return next(c) // without a session: the zero Principal, anonymous
		}
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return access.ErrUnauthorized
		}
		if caption.IsSecret(strings.TrimSpace(token)) {
			return next(c) // a caption token: only the caption ingest takes it (captions.go)
		}
		o, err := access.Authenticate(c.Request().Context(), s.store, strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.Set(principalKey, access.Principal{Organizer: &o})
		return next(c)
	}
}

func principal(c echo.Context) access.Principal {
	p, _ := c.Get(principalKey).(access.Principal)
	return p
}

func requireOrganizer(c echo.Context) (access.Organizer, error) {
	p := principal(c)
	if p.Organizer == nil {
		return access.Organizer{}, errMissingToken
	}
	return *p.Organizer, nil
}

var errMissingToken = errors.New("server: this action needs an organizer token (Authorization: Bearer …)")

// clientAddress decides what a request's client address (c.RealIP(), the
// key of every rate limit) is: the connection's peer, or, from a trusted
// proxy, the nearest untrusted address in X-Forwarded-For. echo's default
// believes X-Forwarded-For and X-Real-IP from anyone.
func clientAddress(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, t := range trusted {
		n, err := ParseProxy(t)
		if err != nil {
			panic(err) // broken static configuration
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseProxy reads one Config.TrustedProxies entry: a CIDR ("10.0.0.0/8")
// or a single address ("192.0.2.10", "2001:db8::1").
func ParseProxy(s string) (*net.IPNet, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("server: trusted proxy %q: want an address or a CIDR", s)
		}
		bits := 128
		if ip.To4() != nil {
			ip, bits = ip.To4(), 32
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("server: trusted proxy %q: want an address or a CIDR", s)
	}
	return n, nil
}
