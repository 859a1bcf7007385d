package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/realtime"
)

// The assembly mode (majlis-load assembly …) measures the general
// assembly's vote through the room, as a delegate sees it (issue 15): a
// fresh general assembly with a vote item and --institutions A-status
// institutions, each with one delegate connected over a websocket (spread
// round-robin over the --url instances), marked present by its delegate;
// the host (the --token organizer) opens a motion; the delegates cast
// within --window, spread evenly; the host closes it. Reported: per cast,
// the time from sending ballot.cast to its receipt (p50, p99, max); the
// time from the host's ballot.close to the closed ballot with its verdict
// arriving at every client (p50, last); and whether the verdict's tally
// equals the casts acknowledged (none lost, none doubled). Use fresh
// servers: the quorum counts every A-status institution in the registry.

// assemblyConfig is one assembly run, from its flags.
type assemblyConfig struct {
	urls         []string
	token        string
	institutions int
	window       time.Duration
	secret       bool
	spread       bool
	perAddr      int
	timeout      time.Duration
	jsonOut      bool
}

func parseAssemblyFlags(args []string, stderr io.Writer) (assemblyConfig, error) {
	fs := flag.NewFlagSet("majlis-load assembly", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c assemblyConfig
	urls := fs.String("url", "http://127.0.0.1:8080", "comma-separated base URLs of the majlis instances; delegates are spread round-robin, the host is on the first")
	fs.StringVar(&c.token, "token", os.Getenv("MAJLIS_TOKEN"), "a head-office organizer's API token (env MAJLIS_TOKEN): creates the assembly, the institutions and the delegates' invitations, and hosts")
	fs.IntVar(&c.institutions, "institutions", 120, "A-status institutions, one delegate each, all casting")
	fs.DurationVar(&c.window, "window", time.Second, "the casts are spread evenly over this window")
	fs.BoolVar(&c.secret, "secret", true, "a secret ballot (false: a named one, each vote published to the room)")
	fs.BoolVar(&c.spread, "spread", true, "dial from many 127.0.0.0/8 source addresses (loopback URLs only), so per-address join limits do not bite")
	fs.IntVar(&c.perAddr, "per-address", 10, "clients per source address when spreading")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "longest wait for the receipts, and for the verdict at every client")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.urls = splitList(*urls)
	switch {
	case len(c.urls) == 0:
		return c, errors.New("--url: at least one instance")
	case c.token == "":
		return c, errors.New("--token: a head-office organizer's API token is needed")
	case c.institutions < 1 || c.institutions > 999:
		return c, errors.New("--institutions: 1 to 999")
	case c.window < 0 || c.timeout <= 0 || c.perAddr < 1:
		return c, errors.New("--window ≥ 0, --timeout > 0, --per-address ≥ 1")
	}
	return c, nil
}

// runAssembly is the assembly mode's main.
func runAssembly(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseAssemblyFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load assembly:", err)
		return 2
	}
	if _, err := raiseFileLimit(cfg.institutions + 64); err != nil {
		fmt.Fprintln(stderr, "majlis-load assembly:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := assemblyRun(ctx, cfg, stderr)
	if err == nil {
		if cfg.jsonOut {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(rep)
		} else {
			err = rep.writeText(stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "majlis-load assembly:", err)
		return 1
	}
	if !rep.TallyMatches {
		return 1
	}
	return 0
}

// assemblyReport is what an assembly run found. JSON field names are
// stable: scripts read them (scripts/bench-assembly).
type assemblyReport struct {
	Instances    []string `json:"instances"`
	Event        string   `json:"event"`
	Institutions int      `json:"institutions"`
	Secret       bool     `json:"secret"`
	Window       float64  `json:"window_seconds"`
	// CastSpan is the time from the first cast sent to the last receipt.
	CastSpan float64 `json:"cast_span_seconds"`
	// Acknowledged counts receipts; Refused the casts answered with an
	// error, by code; Unanswered the casts with neither before --timeout.
	Acknowledged int            `json:"acknowledged"`
	Refused      map[string]int `json:"refused"`
	Unanswered   int            `json:"unanswered"`
	// Ack is the time from sending ballot.cast to the receipt.
	Ack latency `json:"cast_to_receipt"`
	// CloseToHost is the time from sending ballot.close to the host's
	// closed ballot; Verdict the same at every client (p50, p99, max is
	// the last client), VerdictMissing the clients that had none before
	// --timeout.
	CloseToHost    float64 `json:"close_to_host_ms"`
	Verdict        latency `json:"close_to_verdict_everywhere"`
	VerdictMissing int     `json:"verdict_missing"`
	// Outcome and Tally are the verdict's; Cast is what the delegates
	// sent and were acknowledged, per option. TallyMatches when the tally
	// is exactly the acknowledged casts (120 papers, none lost or
	// doubled).
	Outcome      ballot.Outcome `json:"outcome"`
	Tally        ballot.Tally   `json:"tally"`
	Cast         map[string]int `json:"acknowledged_by_option"`
	TallyMatches bool           `json:"tally_matches"`
}

// exactLatency is p50, p99 and max of ds by nearest rank: a run has a few
// hundred samples, too few for the histogram's buckets to be kinder.
func exactLatency(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return latency{Samples: uint64(len(s)), P50: ms(rank(0.50)), P95: ms(rank(0.95)), P99: ms(rank(0.99)), Max: ms(s[len(s)-1])}
}

func (rep *assemblyReport) writeText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	kind := "named"
	if rep.Secret {
		kind = "secret"
	}
	fmt.Fprintf(tw, "instances\t%s\n", strings.Join(rep.Instances, ", "))
	fmt.Fprintf(tw, "ballot\t%s motion, %d institutions casting within %.1f s (first cast to last receipt %.2f s)\n", kind, rep.Institutions, rep.Window, rep.CastSpan)
	fmt.Fprintf(tw, "receipts\t%d acknowledged, %d unanswered, refused %s\n", rep.Acknowledged, rep.Unanswered, counts(rep.Refused))
	fmt.Fprintf(tw, "cast → receipt\tp50 %.1f ms, p99 %.1f ms, max %.1f ms\n", rep.Ack.P50, rep.Ack.P99, rep.Ack.Max)
	fmt.Fprintf(tw, "close → host\t%.1f ms\n", rep.CloseToHost)
	fmt.Fprintf(tw, "close → verdict\tp50 %.1f ms, p99 %.1f ms, every client %.1f ms (%d missing)\n", rep.Verdict.P50, rep.Verdict.P99, rep.Verdict.Max, rep.VerdictMissing)
	fmt.Fprintf(tw, "verdict\t%s: %d papers, yes %d, no %d, abstain %d\n", rep.Outcome, rep.Tally.Papers, rep.Tally.Yes, rep.Tally.No, rep.Tally.Abstain)
	verdict := "equals the acknowledged casts"
	if !rep.TallyMatches {
		verdict = fmt.Sprintf("DIFFERS from the acknowledged casts %v", rep.Cast)
	}
	fmt.Fprintf(tw, "tally\t%s\n", verdict)
	return tw.Flush()
}

// delegateChoice is delegate i's vote: a fixed mix, so that the tally's
// three counts are all checked.
func delegateChoice(i int) ballot.Option {
	switch i % 4 {
	case 3:
		return ballot.OptionNo
	case 2:
		if i%8 == 2 {
			return ballot.OptionAbstain
		}
	}
	return ballot.OptionYes
}

// voter is one websocket client of an assembly run: a delegate, or the
// host (institution "").
type voter struct {
	i           int
	institution string
	conn        *websocket.Conn
	id          string
	// The reader goroutine sets these once, before closing its channel
	// or under mu.
	mu       sync.Mutex
	answered chan struct{} // closed on the receipt or a refusal of the cast
	refusal  string        // the cast's error code, when refused
	receipt  time.Time
	closed   chan struct{} // closed when the closed ballot arrived
	verdict  time.Time
	ballot   ballot.Ballot // the closed ballot as received
	// sent is when the cast was sent (the casting goroutine, before
	// answered can close).
	sent time.Time
	// replies, on the host only: the answers to its commands (ballot and
	// roll messages from it, errors).
	replies chan assemblyMsg
}

// assemblyMsg is the part of a room message the run reads.
type assemblyMsg struct {
	Type realtime.MsgType `json:"type"`
	ID   string           `json:"id,omitempty"`
	From string           `json:"from,omitempty"`
	Data json.RawMessage  `json:"data,omitempty"`
}

func (v *voter) send(typ realtime.MsgType, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return v.conn.WriteJSON(assemblyMsg{Type: typ, ID: id, Data: b})
}

// read is the voter's reader goroutine, the only reader of its
// connection, until the connection closes. ballotID returns the ballot
// whose close is awaited ("" before it is prepared).
func (v *voter) read(ballotID func() string) {
	answered, closed := false, false
	for {
		_, b, err := v.conn.ReadMessage()
		if err != nil {
			return
		}
		at := time.Now()
		var m assemblyMsg
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		switch {
		case v.replies != nil && (m.From == v.id && (m.Type == realtime.MsgBallot || m.Type == realtime.MsgRoll) || m.Type == realtime.MsgError):
			select {
			case v.replies <- m:
			default: // nobody waits for it
			}
		case m.Type == realtime.MsgReceipt && !answered:
			answered = true
			v.mu.Lock()
			v.receipt = at
			v.mu.Unlock()
			close(v.answered)
		case m.Type == realtime.MsgError && m.ID == "cast" && !answered:
			answered = true
			code, _ := parseError(b)
			v.mu.Lock()
			v.refusal = code
			v.mu.Unlock()
			close(v.answered)
		}
		if m.Type == realtime.MsgBallot && !closed {
			var bl ballot.Ballot
			if json.Unmarshal(m.Data, &bl) == nil && bl.State == ballot.StateClosed && bl.ID != "" && bl.ID == ballotID() {
				closed = true
				v.mu.Lock()
				v.verdict, v.ballot = at, bl
				v.mu.Unlock()
				close(v.closed)
			}
		}
	}
}

// command sends a host command and waits for the host's own message of
// type ok (or its refusal).
func (v *voter) command(ctx context.Context, typ realtime.MsgType, data any, ok realtime.MsgType, done func(assemblyMsg) bool) (assemblyMsg, error) {
	id := fmt.Sprint("host-", rand.Uint64())
	if err := v.send(typ, id, data); err != nil {
		return assemblyMsg{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		select {
		case m := <-v.replies:
			if m.Type == realtime.MsgError && m.ID == id {
				return m, fmt.Errorf("%s refused: %s", typ, m.Data)
			}
			if m.Type == ok && (done == nil || done(m)) {
				return m, nil
			}
		case <-ctx.Done():
			return assemblyMsg{}, fmt.Errorf("%s: no answer: %w", typ, ctx.Err())
		}
	}
}

// assemblyRun prepares the assembly, connects everyone, runs the ballot
// and reports.
func assemblyRun(ctx context.Context, cfg assemblyConfig, log io.Writer) (*assemblyReport, error) {
	src, err := newSources(cfg.spread, cfg.perAddr, cfg.urls)
	if err != nil {
		return nil, err
	}
	a := &api{base: cfg.urls[0], token: cfg.token, src: src}
	event, insts, err := prepareAssembly(ctx, a, cfg.institutions)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "assembly %s with %d A-status institutions\n", event, len(insts))
	var mu sync.Mutex
	var ballotID string
	current := func() string { mu.Lock(); defer mu.Unlock(); return ballotID }
	connect := func(i int, instance int, token string) (*voter, error) {
		u := cfg.urls[instance]
		u = "ws" + strings.TrimPrefix(u, "http") + "/ws/rooms/" + url.PathEscape(event) + "?token=" + url.QueryEscape(token)
		conn, res, err := wsDialer(src.addr(i)).DialContext(ctx, u, nil)
		if err != nil {
			return nil, fmt.Errorf("client %d: %s", i, dialCause(err, res))
		}
		var w welcome
		if err := readJSON(conn, &w); err != nil || w.Type != realtime.MsgWelcome {
			conn.Close()
			return nil, fmt.Errorf("client %d: no welcome: %v", i, err)
		}
		return &voter{i: i, conn: conn, id: w.Data.You.ID, answered: make(chan struct{}), closed: make(chan struct{})}, nil
	}
	host, err := connect(0, 0, cfg.token)
	if err != nil {
		return nil, err
	}
	host.replies = make(chan assemblyMsg, 64)
	all := []*voter{host}
	var readers sync.WaitGroup
	defer readers.Wait()
	defer func() { // before the readers are waited for
		for _, v := range all {
			v.conn.Close()
		}
	}()
	readers.Go(func() { host.read(current) })
	for i, inst := range insts {
		var inv struct {
			Token string `json:"token"`
		}
		if err := a.do(ctx, "POST", "/api/v1/events/"+url.PathEscape(event)+"/invites", inst.invitation, &inv, http.StatusCreated); err != nil {
			return nil, err
		}
		v, err := connect(i+1, i%len(cfg.urls), inv.Token)
		if err != nil {
			return nil, err
		}
		v.institution = inst.id
		all = append(all, v)
		readers.Go(func() { v.read(current) })
	}
	delegates := all[1:]
	fmt.Fprintf(log, "%d delegates connected over %d instance(s)\n", len(delegates), len(cfg.urls))

	// The roll: each delegate answers for its institution; the host
	// waits until it sees them all present.
	for _, v := range delegates {
		if err := v.send(realtime.CmdRollMark, "mark", map[string]any{"institution": v.institution, "present": true}); err != nil {
			return nil, err
		}
	}
	if err := awaitRoll(ctx, host, len(delegates)); err != nil {
		return nil, err
	}
	kind := "named"
	if cfg.secret {
		kind = "secret"
	}
	m, err := host.command(ctx, realtime.CmdBallotPrepare, map[string]any{"item": assemblyItem, "kind": "motion", "secret": cfg.secret,
		"title": map[string]string{"en": "Adoption of the work plan and budget (" + kind + " ballot)", "fr": "Adoption du plan de travail et du budget",
			"es": "Aprobación del plan de trabajo y del presupuesto", "ar": "اعتماد خطة العمل والميزانية"}}, realtime.MsgBallot, nil)
	if err != nil {
		return nil, err
	}
	var draft ballot.Ballot
	if err := json.Unmarshal(m.Data, &draft); err != nil || draft.ID == "" {
		return nil, fmt.Errorf("ballot.prepare: no ballot in %s", m.Data)
	}
	mu.Lock()
	ballotID = draft.ID
	mu.Unlock()
	if _, err := host.command(ctx, realtime.CmdBallotOpen, map[string]string{"ballot": draft.ID}, realtime.MsgBallot, inState(ballot.StateOpen)); err != nil {
		return nil, err
	}

	// The casts, spread evenly over the window.
	fmt.Fprintf(log, "ballot %s open: %d casts within %s\n", draft.ID, len(delegates), cfg.window)
	start := time.Now()
	var casting sync.WaitGroup
	for k, v := range delegates {
		at := start.Add(time.Duration(k) * cfg.window / time.Duration(len(delegates)))
		casting.Go(func() {
			time.Sleep(time.Until(at))
			v.mu.Lock()
			v.sent = time.Now()
			v.mu.Unlock()
			if err := v.send(realtime.CmdBallotCast, "cast", map[string]any{"ballot": draft.ID, "institution": v.institution,
				"choice": map[string]string{"option": string(delegateChoice(v.i))}}); err != nil {
				v.mu.Lock()
				v.sent = time.Time{}
				v.mu.Unlock()
			}
		})
	}
	casting.Wait()
	wait, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	rep := &assemblyReport{Instances: cfg.urls, Event: event, Institutions: len(delegates), Secret: cfg.secret,
		Window: cfg.window.Seconds(), Refused: map[string]int{}, Cast: map[string]int{}}
	var acks []time.Duration
	var last time.Time
	for _, v := range delegates {
		if err := await(ctx, wait, v.answered); err != nil {
			return nil, err
		}
		v.mu.Lock()
		switch {
		case !v.receipt.IsZero() && !v.sent.IsZero():
			rep.Acknowledged++
			rep.Cast[string(delegateChoice(v.i))]++
			acks = append(acks, v.receipt.Sub(v.sent))
			if v.receipt.After(last) {
				last = v.receipt
			}
		case v.refusal != "":
			rep.Refused[v.refusal]++
		default:
			rep.Unanswered++
		}
		v.mu.Unlock()
	}
	rep.Ack = exactLatency(acks)
	if !last.IsZero() {
		rep.CastSpan = last.Sub(start).Seconds()
	}

	// The close: time to the verdict at every client.
	closing := time.Now()
	if _, err := host.command(ctx, realtime.CmdBallotClose, map[string]string{"ballot": draft.ID}, realtime.MsgBallot, inState(ballot.StateClosed)); err != nil {
		return nil, err
	}
	wait, cancel = context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	var verdicts []time.Duration
	for _, v := range all {
		if err := await(ctx, wait, v.closed); err != nil {
			return nil, err
		}
		v.mu.Lock()
		if v.verdict.IsZero() {
			rep.VerdictMissing++
		} else {
			verdicts = append(verdicts, v.verdict.Sub(closing))
		}
		v.mu.Unlock()
	}
	rep.Verdict = exactLatency(verdicts)
	host.mu.Lock()
	rep.CloseToHost = ms(host.verdict.Sub(closing))
	closed := host.ballot
	host.mu.Unlock()
	if closed.Verdict == nil {
		return nil, errors.New("the closed ballot has no verdict")
	}
	rep.Outcome, rep.Tally = closed.Verdict.Outcome, closed.Verdict.Tally
	t := rep.Tally
	rep.TallyMatches = t.Papers == rep.Acknowledged && t.Yes == rep.Cast["yes"] && t.No == rep.Cast["no"] && t.Abstain == rep.Cast["abstain"] &&
		rep.Acknowledged == len(delegates)
	return rep, nil
}

// await waits until ch is closed or wait ends (--timeout: the caller
// counts what did not come); only the end of ctx, the run's, is an error.
func await(ctx, wait context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
	case <-wait.Done():
	}
	return ctx.Err()
}

// inState matches a ballot message in state s.
func inState(s ballot.State) func(assemblyMsg) bool {
	return func(m assemblyMsg) bool {
		var bl ballot.Ballot
		return json.Unmarshal(m.Data, &bl) == nil && bl.State == s
	}
}

// awaitRoll waits until the host has seen a roll with n institutions
// present.
func awaitRoll(ctx context.Context, host *voter, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	// The host reads only its own messages: its roll.call answers with
	// the roll as it is.
	for {
		m, err := host.command(ctx, realtime.CmdRollCall, map[string]bool{"open": true}, realtime.MsgRoll, nil)
		if err != nil {
			return err
		}
		var roll struct {
			Present []string `json:"present"`
		}
		if err := json.Unmarshal(m.Data, &roll); err != nil {
			return err
		}
		if len(roll.Present) >= n {
			return nil
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("roll: %d of %d present: %w", len(roll.Present), n, ctx.Err())
		}
	}
}

// assemblyItem is the assembly's vote item.
const assemblyItem = "it-budget"

// assemblyInstitution is one institution of the run with its delegate's
// invitation.
type assemblyInstitution struct {
	id         string
	invitation any
}

// prepareAssembly creates, through the API, an annual meeting with a
// general assembly running now (one vote item, published) and n A-status
// institutions, each with a delegate's invitation to make.
func prepareAssembly(ctx context.Context, a *api, n int) (string, []assemblyInstitution, error) {
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	event := func(kind, parent, en string) map[string]any {
		e := map[string]any{"kind": kind, "status": "published", "visibility": "members", "region": "global",
			"timezone": "Europe/Zurich", "languages": languages, "title": map[string]string{"en": en},
			"start": start.Format(time.RFC3339), "end": start.Add(4 * time.Hour).Format(time.RFC3339)}
		if parent != "" {
			e["parent"] = parent
		}
		return e
	}
	var meeting, ga struct {
		ID string `json:"id"`
	}
	if err := a.do(ctx, "POST", "/api/v1/events", event("annual-meeting", "", "Load test annual meeting"), &meeting, http.StatusCreated); err != nil {
		return "", nil, err
	}
	if err := a.do(ctx, "POST", "/api/v1/events", event("general-assembly", meeting.ID, "Load test general assembly"), &ga, http.StatusCreated); err != nil {
		return "", nil, err
	}
	item := map[string]any{"id": assemblyItem, "title": map[string]string{"en": "Adoption of the work plan and budget"},
		"start": start.Format(time.RFC3339), "duration": 60, "speakers": []any{}, "kind": "vote"}
	if err := a.overwrite(ctx, "PUT", "/api/v1/events/"+url.PathEscape(ga.ID)+"/agenda", map[string]any{"items": []any{item}}); err != nil {
		return "", nil, err
	}
	if err := a.overwrite(ctx, "POST", "/api/v1/events/"+url.PathEscape(ga.ID)+"/agenda/releases", map[string]any{"note": "load test"}); err != nil {
		return "", nil, err
	}
	regions := []struct{ region, country string }{{"africa", "KE"}, {"americas", "MX"}, {"asia-pacific", "AU"}, {"europe", "BE"}}
	run := fmt.Sprintf("%04x", rand.Uint32()&0xffff)
	var out []assemblyInstitution
	for i := range n {
		id := fmt.Sprintf("load-%s-%03d", run, i+1)
		r := regions[i%len(regions)]
		body := map[string]any{"id": id, "name": map[string]string{"en": fmt.Sprintf("Load test institution %d (fictional)", i+1)},
			"country": r.country, "region": r.region, "history": []map[string]string{{"status": "A", "date": "2020-01-01"}}}
		if err := a.do(ctx, "POST", "/api/v1/institutions", body, nil, http.StatusCreated); err != nil {
			return "", nil, err
		}
		out = append(out, assemblyInstitution{id: id, invitation: map[string]string{"role": "delegate",
			"name": fmt.Sprintf("Delegate %d", i+1), "institution": id}})
	}
	return ga.ID, out, nil
}

// overwrite sends body with If-Match: * (the run made what it changes)
// and wants a 2xx answer.
func (a *api) overwrite(ctx context.Context, method, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("If-Match", "*")
	res, err := a.client().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
