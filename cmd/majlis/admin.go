package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// The administration socket: `majlis serve` with the embedded store holds
// the bbolt file's lock, so the `majlis organizer …` commands cannot open
// it while the service runs. Serve listens on admin.sock in the data
// folder instead (mode 0600; a peer of another user is refused by its
// SO_PEERCRED credentials), and the commands send it their request when
// it answers, or open the store themselves when it does not.

// adminSocket is the socket's file name in the data folder.
const adminSocket = "admin.sock"

// adminTimeout bounds one exchange on the socket.
const adminTimeout = 30 * time.Second

// maxAdminMessage bounds a request or an answer on the socket.
const maxAdminMessage = 1 << 20

// adminRequest is one organizer command, checked by the command line
// before it is sent.
type adminRequest struct {
	// Command is add, list, revoke or link.
	Command string `json:"command"`
	Name    string `json:"name,omitempty"`
	Region  string `json:"region,omitempty"`
	// Target names the organizer of revoke and link: an ID, or for link
	// also a name.
	Target string `json:"target,omitempty"`
}

// adminAnswer is what the command prints, or why it failed.
type adminAnswer struct {
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

// runAdmin carries out req on st, writing what the command prints to w.
// baseURL begins the sign-in links it prints.
func runAdmin(ctx context.Context, st store.Store, baseURL string, req adminRequest, w io.Writer) error {
	now := time.Now().UTC()
	switch req.Command {
	case "add":
		// The organizer record keeps the hash of a discarded secret (the
		// store requires one); its API token is a named token, listed
		// and revocable in the organizer app.
		_, discarded := access.NewToken()
		o := access.Organizer{ID: access.NewID("org_"), Name: req.Name, Region: agenda.Region(req.Region), TokenHash: discarded, Created: now}
		if err := st.CreateOrganizer(ctx, o); err != nil {
			return err
		}
		token, t := access.NewNamedToken(o, "majlis organizer add", now)
		if err := st.CreateToken(ctx, t); err != nil {
			return err
		}
		link, err := newSignInLink(ctx, st, baseURL, o, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "organizer %s (%s, %s) created.\n", o.ID, o.Name, o.Region)
		fmt.Fprintf(w, "Sign-in link for the organizer app (works once, for 15 minutes; run \"majlis organizer link %s\" for a new one):\n%s\n", o.ID, link)
		fmt.Fprintf(w, "Its API token is shown once; store it safely:\n%s\n", token)
		return nil
	case "list":
		all, err := st.ListOrganizers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tREGION\tCREATED\tSTATE")
		for _, o := range all {
			state := "active"
			if o.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.Name, o.Region, o.Created.Format(time.RFC3339), state)
		}
		return tw.Flush()
	case "revoke":
		if err := st.RevokeOrganizer(ctx, req.Target); err != nil {
			return err
		}
		// Checking the organizer at every request already refuses its
		// sessions; ending them also empties its list of sessions.
		if err := st.DeleteSessions(ctx, req.Target); err != nil {
			return err
		}
		fmt.Fprintf(w, "organizer %s revoked; its tokens and sessions no longer work\n", req.Target)
		return nil
	case "link":
		o, err := findOrganizer(ctx, st, req.Target)
		if err != nil {
			return err
		}
		link, err := newSignInLink(ctx, st, baseURL, o, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Sign-in link for %s (%s), works once, for 15 minutes:\n%s\n", o.Name, o.ID, link)
		return nil
	default:
		return fmt.Errorf("organizer: unknown subcommand %q (want add, list, revoke or link)", req.Command)
	}
}

func newSignInLink(ctx context.Context, st store.Store, baseURL string, o access.Organizer, now time.Time) (string, error) {
	token, l := access.NewLink(o, "", now)
	if err := st.CreateLink(ctx, l); err != nil {
		return "", err
	}
	return server.SignInURL(strings.TrimRight(baseURL, "/"), token), nil
}

// findOrganizer finds an active organizer by ID, or by name when only one
// has it.
func findOrganizer(ctx context.Context, st store.Store, target string) (access.Organizer, error) {
	all, err := st.ListOrganizers(ctx)
	if err != nil {
		return access.Organizer{}, err
	}
	var named []access.Organizer
	for _, o := range all {
		if o.ID == target {
			named = []access.Organizer{o}
			break
		}
		if strings.EqualFold(o.Name, target) {
			named = append(named, o)
		}
	}
	switch {
	case len(named) == 0:
		return access.Organizer{}, fmt.Errorf("organizer %q: %w", target, access.ErrNotFound)
	case len(named) > 1:
		ids := make([]string, len(named))
		for i, o := range named {
			ids[i] = o.ID
		}
		return access.Organizer{}, fmt.Errorf("organizer %q: several have that name; give the ID (%s)", target, strings.Join(ids, ", "))
	case named[0].Revoked:
		return access.Organizer{}, fmt.Errorf("organizer %s is revoked", named[0].ID)
	}
	return named[0], nil
}

// askServe sends req to a running serve over the data folder's socket.
// It reports false, and nothing else, when no serve answers there.
func askServe(dataDir string, req adminRequest, w io.Writer) (bool, error) {
	conn, err := net.DialTimeout("unix", socketPath(dataDir), 2*time.Second)
	if err != nil {
		return false, nil // no serve (or a stale socket): use the store directly
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(adminTimeout))
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return true, fmt.Errorf("organizer: send to the running service: %w", err)
	}
	var ans adminAnswer
	if err := json.NewDecoder(io.LimitReader(conn, maxAdminMessage)).Decode(&ans); err != nil {
		return true, fmt.Errorf("organizer: read the running service's answer: %w", err)
	}
	io.WriteString(w, ans.Output)
	if ans.Error != "" {
		return true, errors.New(ans.Error)
	}
	return true, nil
}

func socketPath(dataDir string) string { return dataDir + string(os.PathSeparator) + adminSocket }

// adminServer answers organizer commands on the data folder's socket.
type adminServer struct {
	ln      *net.UnixListener
	st      store.Store
	baseURL string
	log     *slog.Logger
	wg      sync.WaitGroup
}

// listenAdmin opens the socket, owner-only. The caller holds the store's
// lock, so a socket left by a serve that crashed is stale and replaced.
func listenAdmin(dataDir string, st store.Store, baseURL string, log *slog.Logger) (*adminServer, error) {
	path := socketPath(dataDir)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return &adminServer{ln: ln, st: st, baseURL: baseURL, log: log}, nil
}

// serve answers connections until the listener is closed; it owns one
// goroutine per connection and waits for them before it returns.
func (a *adminServer) serve(ctx context.Context) {
	defer a.wg.Wait()
	for {
		conn, err := a.ln.AcceptUnix()
		if err != nil {
			return // closed
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			a.answer(ctx, conn)
		}()
	}
}

// close stops accepting and removes the socket.
func (a *adminServer) close() { a.ln.Close() }

// answer runs one request from conn, if its peer is this user.
func (a *adminServer) answer(ctx context.Context, conn *net.UnixConn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(adminTimeout))
	if err := samePeer(conn); err != nil {
		a.log.Warn("admin socket: refused a peer", "err", err)
		_ = json.NewEncoder(conn).Encode(adminAnswer{Error: "admin socket: " + err.Error()})
		return
	}
	var req adminRequest
	if err := json.NewDecoder(bufio.NewReader(io.LimitReader(conn, maxAdminMessage))).Decode(&req); err != nil {
		_ = json.NewEncoder(conn).Encode(adminAnswer{Error: "admin socket: malformed request"})
		return
	}
	var out bytes.Buffer
	ans := adminAnswer{}
	if err := runAdmin(ctx, a.st, a.baseURL, req, &out); err != nil {
		ans.Error = err.Error()
	}
	ans.Output = out.String()
	a.log.Info("admin command", "command", req.Command, "ok", ans.Error == "")
	_ = json.NewEncoder(conn).Encode(ans)
}
