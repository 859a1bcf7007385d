// Command majlis runs the majlis service and its administration commands.
//
//	majlis serve [--listen :8080] [--data ./data | --redis URL] [--base-url URL] [--demo] [--debug-listen ADDR]
//	majlis organizer add --name NAME [--region R] [--data DIR | --redis URL]
//	majlis organizer list [--data DIR | --redis URL]
//	majlis organizer revoke ID [--data DIR | --redis URL]
//	majlis organizer link NAME|ID [--data DIR | --redis URL] [--base-url URL]
//	majlis version
//
// Every flag can also be set by an environment variable (MAJLIS_LISTEN,
// MAJLIS_DATA, MAJLIS_BASE_URL, MAJLIS_REDIS, MAJLIS_DEMO,
// MAJLIS_DEBUG_LISTEN, MAJLIS_SMTP); flags win.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/calendar"
	"github.com/majlis/majlis/demo"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/internal/randid"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `majlis — meetings, agendas, interpretation and calendars for the alliance

Usage:
  majlis serve [flags]              run the service
  majlis organizer add --name NAME  create an organizer; prints a sign-in link and its API token once
  majlis organizer list             list organizers
  majlis organizer revoke ID        revoke an organizer: its tokens and sessions stop at once
  majlis organizer link NAME|ID     print a new single-use sign-in link (15 minutes)

The organizer commands work while "majlis serve" runs on the same --data
(they ask it over the admin.sock socket in the data folder) and while it
does not.
  majlis version                    print the version

Run "majlis serve -h" for the flags of a command.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr)
	case "organizer":
		err = organizer(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "majlis", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "majlis: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "majlis:", err)
		return 1
	}
	return 0
}

// common are the flags every data-touching command shares.
type common struct {
	data  string
	redis string
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", envOr("MAJLIS_DATA", "./data"), "data directory for the embedded store (env MAJLIS_DATA); unused with --redis")
	fs.StringVar(&c.redis, "redis", envOr("MAJLIS_REDIS", ""), "redis://[user:password@]host:port/db of the scale-out deployment's Redis, with AOF (env MAJLIS_REDIS); default: the embedded store in --data")
}

// open opens the Redis store when --redis is given, else the embedded one
// in --data.
func (c *common) open(ctx context.Context) (store.Store, error) {
	if c.redis != "" {
		// The key that seals CalDAV passwords is never a flag (ps shows
		// flags): MAJLIS_SOURCE_KEY, the same on every instance.
		key, err := store.ParseSourceKey(os.Getenv("MAJLIS_SOURCE_KEY"))
		if err != nil {
			return nil, err
		}
		return store.OpenRedis(ctx, c.redis, store.RedisConfig{SourceKey: key})
	}
	return store.OpenBolt(filepath.Join(c.data, "majlis.db"))
}

func serve(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	listen := fs.String("listen", envOr("MAJLIS_LISTEN", ":8080"), "address to listen on (env MAJLIS_LISTEN)")
	baseURL := fs.String("base-url", envOr("MAJLIS_BASE_URL", ""), "public URL of this service, for links and feeds (env MAJLIS_BASE_URL; default http://localhost<listen>)")
	uidDomain := fs.String("uid-domain", envOr("MAJLIS_UID_DOMAIN", calendar.DefaultUIDDomain), "domain of the events' calendar UIDs (<id>@<domain>); never change it once feeds are subscribed (env MAJLIS_UID_DOMAIN)")
	withDemo := fs.Bool("demo", envOr("MAJLIS_DEMO", "") == "1" || envOr("MAJLIS_DEMO", "") == "true", "load the demo data on first start (env MAJLIS_DEMO=1)")
	logLevel := fs.String("log-level", envOr("MAJLIS_LOG_LEVEL", "info"), "debug, info, warn or error (env MAJLIS_LOG_LEVEL)")
	origins := fs.String("allowed-origins", envOr("MAJLIS_ALLOWED_ORIGINS", ""), "comma-separated origins (https://host) whose pages may open rooms, besides the base URL's (env MAJLIS_ALLOWED_ORIGINS)")
	allowPrivate := fs.Bool("sources-allow-private", envOr("MAJLIS_SOURCES_ALLOW_PRIVATE", "") == "1" || envOr("MAJLIS_SOURCES_ALLOW_PRIVATE", "") == "true",
		"let regional calendar sources be on loopback, private or link-local addresses, e.g. a CalDAV server on the same network (env MAJLIS_SOURCES_ALLOW_PRIVATE=1); default: public addresses only")
	debugListen := fs.String("debug-listen", envOr("MAJLIS_DEBUG_LISTEN", ""), "address of a second listener for /metrics (Prometheus), /debug/metrics and /debug/pprof, e.g. 127.0.0.1:6060: keep it on loopback or a private network, it asks no token (env MAJLIS_DEBUG_LISTEN); default off, and the public listener has no /debug")
	smtpURL := fs.String("smtp", envOr("MAJLIS_SMTP", ""), "relay for registrants' mails: smtp://[user:password@]host[:port]?from=ADDRESS (STARTTLS), smtps://… (TLS), tls=none for a relay on this host (env MAJLIS_SMTP); default: no mail, registrants read everything on their page")
	proxies := fs.String("trusted-proxies", envOr("MAJLIS_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of the load balancers in front, whose X-Forwarded-For is believed for rate limits (env MAJLIS_TRUSTED_PROXIES); default none")
	writeDelay := fs.String("write-delay", envOr("MAJLIS_WRITE_DELAY", "40ms"), "how long a message for everyone in a room of 300 or more may wait so that the next ones share its write call, which saves about a fifth of the server's CPU in large rooms; audio and small rooms are never delayed; 0: none (env MAJLIS_WRITE_DELAY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	delay, err := time.ParseDuration(*writeDelay)
	if err != nil || delay < 0 || delay > time.Second {
		return fmt.Errorf("--write-delay: %q is not a duration from 0 to 1s (e.g. 40ms)", *writeDelay)
	}
	if delay == 0 {
		delay = -1 // none (realtime.Config's zero is its default)
	}
	if *uidDomain == "" || len(*uidDomain) > 253 || strings.ContainsFunc(*uidDomain, func(r rune) bool { return r <= ' ' || r == '@' || r == 0x7f }) {
		return fmt.Errorf("--uid-domain: %q is not a domain (letters, digits, dots, hyphens)", *uidDomain)
	}
	var trusted []string
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := server.ParseProxy(p); err != nil {
			return fmt.Errorf("--trusted-proxies: %w", err)
		}
		trusted = append(trusted, p)
	}
	var mailer registration.Mailer
	if *smtpURL != "" {
		m, err := registration.NewSMTP(*smtpURL)
		if err != nil {
			return fmt.Errorf("--smtp: %w", err)
		}
		mailer = m
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *baseURL == "" {
		host := *listen
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		*baseURL = "http://" + host
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The secret that signs tokens and the rooms' backend: in the data
	// folder, or shared by every instance through Redis.
	var (
		secret []byte
		rooms  realtime.Backend
	)
	if rs, ok := st.(*store.Redis); ok {
		if secret, err = rs.Secret(ctx); err != nil {
			return err
		}
		rb, err := broker.NewRedis(ctx, c.redis, broker.RedisConfig{Logger: log})
		if err != nil {
			return err
		}
		defer rb.Close()
		rooms = rb
	} else {
		if secret, err = loadSecret(filepath.Join(c.data, "secret")); err != nil {
			return err
		}
		lb, err := broker.OpenLocal(filepath.Join(c.data, "rooms.db"), broker.MemoryConfig{})
		if err != nil {
			return err
		}
		defer lb.Close()
		rooms = lb
	}
	// The organizer commands reach this process over a socket in the data
	// folder while it holds the store's lock.
	if c.redis == "" {
		admin, err := listenAdmin(c.data, st, *baseURL, log)
		if err != nil {
			return err
		}
		adminDone := make(chan struct{})
		go func() { defer close(adminDone); admin.serve(ctx) }()
		defer func() { admin.close(); <-adminDone }()
	}
	svc := agenda.New(agenda.Config{}, st)
	node := realtime.New(realtime.Config{Logger: log, WriteDelay: delay}, rooms, st)
	if *withDemo {
		loaded, err := demo.Load(ctx, svc)
		if err != nil {
			return err
		}
		log.Info("demo data", "loaded", loaded)
		// The General Assembly's fictional registry, roll and motions.
		reg := institution.New(institution.Config{UserAssignedCountries: true}, st)
		if err := demo.LoadAssembly(ctx, reg, ballot.New(ballot.Config{Registry: st}, st)); err != nil {
			return err
		}
		live, err := demo.LoadLive(ctx, svc, time.Now())
		if err != nil {
			return err
		}
		people, err := demo.Invite(ctx, st, live, time.Now())
		if err != nil {
			return err
		}
		printDemo(stderr, *baseURL, live, people)
	}
	var allowed []string
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			allowed = append(allowed, o)
		}
	}
	// One goroutine syncs the regional calendars; a lease in the store
	// keeps instances from syncing the same source at once.
	// Sources are fetched from public addresses only, unless the operator
	// allows private ones: an organizer must not make the server read its
	// own network.
	fetcher := calendar.PublicClient(30 * time.Second)
	if *allowPrivate {
		fetcher = &http.Client{Timeout: 30 * time.Second}
	}
	syncer := calendar.NewSyncer(calendar.SyncConfig{BaseURL: *baseURL, UIDDomain: *uidDomain, Logger: log, Client: fetcher}, st, svc)
	syncCtx, stopSync := context.WithCancel(ctx)
	syncDone := make(chan struct{})
	go func() { defer close(syncDone); syncer.Run(syncCtx) }()
	defer func() { stopSync(); <-syncDone }()
	srv := server.New(server.Config{BaseURL: *baseURL, UIDDomain: *uidDomain, Logger: log, Version: version, Secret: secret,
		Rooms: node, AllowedOrigins: allowed, TrustedProxies: trusted, Sync: syncer, Mailer: mailer, UserAssignedCountries: *withDemo}, st, svc)
	// Registration's retention purge and reminders: every instance runs
	// them; the store lets one send each reminder.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() { defer close(jobsDone); srv.RunRegistrationJobs(jobsCtx) }()
	defer func() { stopJobs(); <-jobsDone }()
	hs := &http.Server{
		Addr:              *listen,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// The listeners are bound before "majlis listening" is logged: the line
	// tells that connections are accepted (scripts and tests wait for it),
	// and an address in use fails the start instead of following it.
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// The debug endpoints (profiles, figures) get a listener of their own,
	// only when asked: on the public one any client reaching the host
	// would read them.
	var ds *http.Server
	var dl net.Listener
	if *debugListen != "" {
		if dl, err = net.Listen("tcp", *debugListen); err != nil {
			_ = l.Close()
			return fmt.Errorf("serve: debug listener: %w", err)
		}
		ds = &http.Server{
			Addr:              *debugListen,
			Handler:           srv.DebugHandler(),
			ReadHeaderTimeout: 10 * time.Second,
			WriteTimeout:      60 * time.Second, // CPU profiles last up to 50 s
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(l) }()
	where := []any{"listen", *listen, "base_url", *baseURL, "version", version}
	if ds != nil {
		go func() { errc <- ds.Serve(dl) }()
		where = append(where, "debug_listen", *debugListen)
	}
	if c.redis != "" {
		where = append(where, "store", "redis")
	} else {
		where = append(where, "store", "embedded", "data", c.data)
	}
	log.Info("majlis listening", where...)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// http.Server.Shutdown does not see websockets (hijacked): the rooms
	// close them, telling clients to resume elsewhere.
	roomsDone := make(chan error, 1)
	go func() { roomsDone <- srv.Shutdown(sctx) }()
	if ds != nil {
		_ = ds.Close() // profiles in progress may be cut off
	}
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	if err := <-roomsDone; err != nil {
		return fmt.Errorf("serve: closing rooms: %w", err)
	}
	return nil
}

// loadSecret reads the server secret that signs private feed URLs,
// creating it (256 random bits in 52 characters, mode 0600) on first start, so that
// issued URLs survive restarts. Deleting the file invalidates them all.
func loadSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("secret %s: %d bytes, want at least 32 (delete it to make a new one; issued feed URLs then stop working)", path, len(b))
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("secret: %w", err)
	}
	b = []byte(randid.New("", randid.TokenBytes))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("secret: %w", err)
	}
	return b, f.Close()
}

func organizer(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("organizer: want add, list, revoke or link")
	}
	fs := flag.NewFlagSet("organizer "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	baseURL := fs.String("base-url", envOr("MAJLIS_BASE_URL", "http://localhost:8080"), "public URL of the service, for sign-in links when it is not running (env MAJLIS_BASE_URL); a running service uses its own")
	req := adminRequest{Command: args[0]}
	switch args[0] {
	case "add":
		name := fs.String("name", "", "organizer's name (required)")
		region := fs.String("region", "global", "organizer's network: global, africa, americas, asia-pacific, europe")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		n := usertext.Normalize(*name)
		if n == "" {
			return errors.New("organizer add: --name is required (1-100 characters)")
		}
		if why := usertext.Problem(n, usertext.Line, 100); why != "" {
			return fmt.Errorf("organizer add: --name: %s", why)
		}
		if !agenda.Region(*region).Valid() {
			return fmt.Errorf("organizer add: --region %q: want global, africa, americas, asia-pacific or europe", *region)
		}
		req.Name, req.Region = n, *region
	case "list":
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
	case "revoke", "link":
		pos, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			if args[0] == "link" {
				return errors.New("organizer link: give exactly one organizer ID or name")
			}
			return errors.New("organizer revoke: give exactly one organizer ID")
		}
		req.Target = pos[0]
	default:
		return fmt.Errorf("organizer: unknown subcommand %q (want add, list, revoke or link)", args[0])
	}
	// While serve runs on this data folder it holds the store's lock:
	// ask it over its socket. With Redis every instance shares the store.
	if c.redis == "" {
		if asked, err := askServe(c.data, req, stdout); asked {
			return err
		}
	}
	ctx := context.Background()
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return runAdmin(ctx, st, *baseURL, req, stdout)
}

// parseInterspersed parses flags that may come before or after positional
// arguments (`revoke ID --data DIR`), returning the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printDemo tells a newcomer how to see every role of the demo's live
// webinar: the links are real, at the configured base URL.
func printDemo(w io.Writer, baseURL string, live agenda.Event, p demo.People) {
	fmt.Fprintf(w, "\nThe demo webinar %q runs now: %s/events/%s\n", live.Title.Get("en"), baseURL, live.ID)
	fmt.Fprintf(w, "  organizer app (sign-in link, once, 15 minutes): %s\n", server.SignInURL(baseURL, p.SignIn))
	fmt.Fprintf(w, "  host:        %s\n", server.InviteURL(baseURL, p.Host.Invite, p.Host.Token))
	for _, in := range p.Interpreters {
		fmt.Fprintf(w, "  interpreter (%s booth): %s\n", in.Booth, server.InviteURL(baseURL, in.Invite, in.Token))
	}
	fmt.Fprintf(w, "  participant: %s\n\n", server.InviteURL(baseURL, p.Participant.Invite, p.Participant.Token))
}
