package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/attendance"
	"github.com/majlis/majlis/internal/redistest"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
	"github.com/majlis/majlis/store"
)

// attendanceRow is one person of GET /api/v1/events/{id}/attendance.
type attendanceRow struct {
	Person    string     `json:"person"`
	Kind      string     `json:"kind"`
	Name      string     `json:"name"`
	Pseudonym bool       `json:"pseudonym"`
	FirstJoin *time.Time `json:"first_join"`
	LastLeave *time.Time `json:"last_leave"`
	Present   bool       `json:"present"`
	Minutes   int        `json:"minutes"`
	Channels  []string   `json:"channels"`
	Visits    int        `json:"visits"`
}

// attendanceOf reads the attendance API as alice.
func (f *fixture) attendanceOf(id string) map[string]attendanceRow {
	f.t.Helper()
	r := f.do(req{method: "GET", path: "/api/v1/events/" + id + "/attendance", token: f.alice})
	if r.status != http.StatusOK {
		f.t.Fatalf("attendance: %d %s", r.status, r.body)
	}
	var out struct{ Attendance []attendanceRow }
	mustUnmarshal(f.t, r.body, &out)
	rows := map[string]attendanceRow{}
	for _, row := range out.Attendance {
		rows[row.Name] = row
	}
	return rows
}

// attendanceUntil reads the attendance until ok accepts it: rooms record
// in the background.
func (f *fixture) attendanceUntil(id string, ok func(map[string]attendanceRow) bool) map[string]attendanceRow {
	f.t.Helper()
	for range 400 {
		if rows := f.attendanceOf(id); ok(rows) {
			return rows
		}
		time.Sleep(25 * time.Millisecond)
	}
	rows := f.attendanceOf(id)
	f.t.Fatalf("the attendance never got there: %+v", rows)
	return nil
}

// TestAttendanceReport: two instances of one deployment record what their
// own connections do; the report has one row per person — a registrant
// with a tab on each instance and a channel change counted once with both
// channels, a walk-in, the host, an approved registrant who never came —
// under the pseudonym registered, and never a token. It is JSON, CSV
// (read by Python's csv, formulas kept from running) and a page; it
// outlives the instance that recorded it, and goes when the registrant's
// data is deleted and when the retention has passed.
func TestAttendanceReport(t *testing.T) {
	rs := redistest.Start(t, redistest.Config{})
	a := newRoomFixture(t, func(st *store.Bolt) *realtime.Node { return redisNode(t, rs, "att:", "a", st) })
	b := a.instance(redisNode(t, rs, "att:", "b", a.st))
	a.setForm(roomEvent, "automatic", 0)
	register := func(name string, pseudonym bool) receipt {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"name": name, "pseudonym": pseudonym, "language": "fr",
			"answers": map[string]any{"consent": map[string]any{"consent": true}}})
		r := a.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/registrations", body: string(body)})
		var rc receipt
		if r.status != http.StatusCreated || json.Unmarshal(r.body, &rc) != nil {
			t.Fatalf("register %s: %d %s", name, r.status, r.body)
		}
		return rc
	}
	samira := register("Samira", true)
	register("Never came", false)

	host, _ := a.join("alice", "token="+url.QueryEscape(a.alice))
	host.send(realtime.CmdSessionStart, "start", nil)
	for host.next().Type != realtime.MsgWebinar {
	}
	tab1, _ := a.join("tab 1", "token="+url.QueryEscape(samira.Token))
	tab2, _ := b.join("tab 2", "token="+url.QueryEscape(samira.Token))
	tab2.send(realtime.CmdChannel, "ch", map[string]string{"channel": "ar"})
	for tab2.next().Type != realtime.MsgMember {
	}
	walkIn, _ := b.join("walk-in", "name="+url.QueryEscape("=HYPERLINK(\"x\")"))
	_ = walkIn
	tab1.conn.Close()
	tab2.conn.Close()

	rows := a.attendanceUntil(roomEvent, func(rows map[string]attendanceRow) bool {
		s := rows["Samira"]
		return s.Visits == 2 && s.LastLeave != nil && len(s.Channels) == 2 && rows[`=HYPERLINK("x")`].Visits == 1
	})
	s := rows["Samira"]
	if s.Kind != "registrant" || !s.Pseudonym || s.Present || s.FirstJoin == nil || !slices.Equal(s.Channels, []string{"fr", "ar"}) ||
		!strings.HasPrefix(s.Person, "registrant:r_") {
		t.Fatalf("the registrant's row: %+v", s)
	}
	if w := rows[`=HYPERLINK("x")`]; w.Kind != "walk-in" || !w.Present || w.LastLeave != nil {
		t.Fatalf("the walk-in's row: %+v", w)
	}
	if h := rows["Alice"]; h.Kind != "organizer" || !h.Present {
		t.Fatalf("the host's row: %+v (rows %v)", h, rows)
	}
	if n := rows["Never came"]; n.Kind != "registrant" || n.FirstJoin != nil || n.Visits != 0 || n.Minutes != 0 {
		t.Fatalf("the registrant who never came: %+v", n)
	}
	// No token is recorded: the store holds people, not links.
	l, err := a.st.Visits(context.Background(), roomEvent)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(l)
	if strings.Contains(string(raw), "mjr_") || strings.Contains(string(raw), samira.Token) || strings.Contains(string(raw), a.alice) {
		t.Fatalf("a token in the stored attendance: %s", raw)
	}

	// CSV, read by Python.
	r := a.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/attendance/csv", token: a.alice})
	if r.status != http.StatusOK {
		t.Fatalf("csv: %d %s", r.status, r.body)
	}
	table := pyCSV(t, r.body)
	table[0][0] = strings.TrimPrefix(table[0][0], "\ufeff")
	if !slices.Equal(table[0], attendance.CSVColumns) || len(table) != 5 {
		t.Fatalf("csv: %v", table)
	}
	var formula bool
	for _, row := range table[1:] {
		formula = formula || row[2] == `'=HYPERLINK("x")`
		if row[2] == "Samira" && (row[1] != "registrant" || row[3] != "yes" || row[9] != "fr ar" || row[10] != "2") {
			t.Fatalf("csv row: %v", row)
		}
	}
	if !formula {
		t.Fatalf("the walk-in's name would run as a formula: %v", table)
	}
	// Organizers only.
	if r := a.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/attendance"}); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous read: %d", r.status)
	}

	// The instance that recorded the walk-in stops: its leave is recorded,
	// and the other instance reads it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	rows = a.attendanceUntil(roomEvent, func(rows map[string]attendanceRow) bool { return !rows[`=HYPERLINK("x")`].Present })
	if w := rows[`=HYPERLINK("x")`]; w.LastLeave == nil {
		t.Fatalf("the walk-in after their instance stopped: %+v", w)
	}

	// Deleting the registrant's data deletes their attendance.
	if r := a.do(req{method: "DELETE", path: "/api/v1/events/" + roomEvent + "/registrations/" + strings.TrimPrefix(s.Person, "registrant:"), token: a.alice}); r.status != http.StatusNoContent {
		t.Fatalf("forget: %d %s", r.status, r.body)
	}
	if rows := a.attendanceOf(roomEvent); rows["Samira"].Person != "" {
		t.Fatalf("a forgotten registrant's attendance: %+v", rows["Samira"])
	}
	// One person's attendance, on request.
	if r := a.do(req{method: "DELETE", path: "/api/v1/events/" + roomEvent + "/attendance/" + url.PathEscape(rows[`=HYPERLINK("x")`].Person), token: a.alice}); r.status != http.StatusNoContent {
		t.Fatalf("forget a walk-in: %d %s", r.status, r.body)
	}
	if rows := a.attendanceOf(roomEvent); rows[`=HYPERLINK("x")`].Person != "" {
		t.Fatalf("a forgotten walk-in: %+v", rows)
	}

	// The retention (30 days in this form) passes: the jobs delete it.
	e, err := a.st.GetEvent(context.Background(), roomEvent)
	if err != nil {
		t.Fatal(err)
	}
	late := func() time.Time { return e.End.Add(31 * 24 * time.Hour) }
	jobs := server.New(server.Config{BaseURL: "https://majlis.example.org", Now: late, Rooms: redisNode(t, rs, "att:", "c", a.st)}, a.st, a.svc)
	t.Cleanup(func() { shutdown(jobs) }) // its node beats until then (into a closed Redis client, once the broker's cleanup ran)
	if err := jobs.RegistrationJobs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l, err := a.st.Visits(context.Background(), roomEvent); err != nil || len(l.Visits) != 0 {
		t.Fatalf("after the retention: %v %+v", err, l)
	}
}
