package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/majlis/majlis/realtime"
)

// TestShiftWarningPerEvent: an event's shift warning is set through the
// API and the event form, validated (10 to 90 minutes, 0 for the default
// of 30), shown to organizers only, and is what the room's consoles use
// until a host overrides it for the session.
func TestShiftWarningPerEvent(t *testing.T) {
	t.Parallel()
	f := newRoomFixture(t, nil)
	path := "/api/v1/events/" + roomEvent
	patch := func(body string) resp {
		return f.do(req{method: "PATCH", path: path, token: f.alice, body: body, header: map[string]string{"If-Match": "*"}})
	}
	tests := []struct {
		name   string
		body   string
		status int
		field  string // named by a 422
	}{
		{"too short", `{"interpretation":{"shift_warning":9}}`, http.StatusUnprocessableEntity, "interpretation.shift_warning"},
		{"too long", `{"interpretation":{"shift_warning":91}}`, http.StatusUnprocessableEntity, "interpretation.shift_warning"},
		{"negative", `{"interpretation":{"shift_warning":-30}}`, http.StatusUnprocessableEntity, "interpretation.shift_warning"},
		{"not a number", `{"interpretation":{"shift_warning":"30"}}`, http.StatusBadRequest, ""},
		{"the lowest", `{"interpretation":{"shift_warning":10}}`, http.StatusOK, ""},
		{"the default again", `{"interpretation":{"shift_warning":0}}`, http.StatusOK, ""},
		{"the highest", `{"interpretation":{"shift_warning":90}}`, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := patch(tc.body)
			if r.status != tc.status {
				t.Fatalf("%s: %d %s, want %d", tc.body, r.status, r.body, tc.status)
			}
			if tc.field != "" {
				if _, fields := errorOf(t, r); fields[tc.field] == "" {
					t.Errorf("%s: the 422 does not name %s: %s", tc.body, tc.field, r.body)
				}
			}
		})
	}
	shown := func(token string) string {
		var e struct {
			Interpretation *struct {
				ShiftWarning int `json:"shift_warning"`
			} `json:"interpretation"`
		}
		r := f.do(req{method: "GET", path: path, token: token})
		mustUnmarshal(t, r.body, &e)
		if e.Interpretation == nil {
			return "hidden"
		}
		return strconv.Itoa(e.Interpretation.ShiftWarning)
	}
	if got := shown(f.alice); got != "90" {
		t.Fatalf("organizers see shift warning %s, want 90", got)
	}
	if got := shown(""); got != "hidden" {
		t.Fatalf("the public sees the interpretation settings: %s", got)
	}
	if r := patch(`{"interpretation":{}}`); r.status != http.StatusOK || shown(f.alice) != "90" {
		t.Fatalf("an empty interpretation object changed the setting: %d %s", r.status, shown(f.alice))
	}

	// The event form sets it too.
	alice := f.appUser(f.aliceID)
	e, err := f.st.GetEvent(context.Background(), roomEvent)
	if err != nil {
		t.Fatal(err)
	}
	form := webinarForm()
	form.Set("region", "africa")
	form.Set("timezone", e.TimeZone)
	form.Set("start", e.Start.In(e.Zone()).Format("2006-01-02T15:04"))
	form.Set("end", e.End.In(e.Zone()).Format("2006-01-02T15:04"))
	form.Set("version", strconv.FormatInt(e.Version, 10))
	form.Set("shift_warning", "45")
	if res, body := f.post(alice, "/organizer/events/"+roomEvent, "en", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the form: %d %s", res.StatusCode, body)
	}
	if got := shown(f.alice); got != "45" {
		t.Fatalf("after the form: %s, want 45", got)
	}
	if _, body := f.page(alice, "/organizer/events/"+roomEvent, "en"); !strings.Contains(body, `name="shift_warning" value="45"`) {
		t.Errorf("the form does not show 45")
	}

	// The room's consoles use it; a host overrides it for the session,
	// and 0 returns to the event's.
	host, welcome := f.join("alice", "token="+url.QueryEscape(f.alice))
	type shift struct {
		ShiftWarning        int `json:"shift_warning"`
		SessionShiftWarning int `json:"session_shift_warning"`
	}
	var w struct {
		Interpretation shift `json:"interpretation"`
	}
	mustUnmarshal(t, welcome.Data, &w)
	if w.Interpretation != (shift{45, 0}) {
		t.Fatalf("the room's shift warning %+v, want the event's 45", w.Interpretation)
	}
	for _, step := range []struct {
		minutes int
		want    shift
	}{{20, shift{20, 20}}, {0, shift{45, 0}}} {
		host.send(realtime.CmdShiftWarning, "", map[string]int{"minutes": step.minutes})
		var got shift
		mustUnmarshal(t, host.expectSkipping(realtime.MsgInterp).Data, &got)
		if got != step.want {
			t.Fatalf("after shift.warning %d: %+v, want %+v", step.minutes, got, step.want)
		}
	}
	host.send(realtime.CmdShiftWarning, "w", map[string]int{"minutes": 95})
	if code := errorCode(t, host.expectSkipping(realtime.MsgError)); code != realtime.ErrBadMessage {
		t.Fatalf("a 95-minute shift for the session: %s", code)
	}
}
