package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/server"
)

// captionClock is a server clock the test moves.
type captionClock struct{ at atomic.Pointer[time.Time] }

func (c *captionClock) now() time.Time  { return *c.at.Load() }
func (c *captionClock) set(t time.Time) { c.at.Store(&t) }

// newCaptionToken makes a caption token for channel as alice and returns
// its secret and the ingest URL's path and query.
func (f *roomFixture) newCaptionToken(channel, label string) (secret, path string) {
	f.t.Helper()
	r := f.do(req{method: "POST", path: "/api/v1/events/" + roomEvent + "/caption-tokens", token: f.alice,
		body: fmt.Sprintf(`{"channel":%q,"label":%q}`, channel, label)})
	if r.status != http.StatusCreated {
		f.t.Fatalf("caption token: %d %s", r.status, r.body)
	}
	var out struct {
		ID, Token, URL, Channel string
	}
	mustUnmarshal(f.t, r.body, &out)
	if !strings.HasPrefix(out.Token, "mjc_") || !strings.HasPrefix(out.ID, "ctk_") || out.Channel != channel {
		f.t.Fatalf("caption token %s", r.body)
	}
	u, err := url.Parse(out.URL)
	if err != nil || u.Host != "majlis.example.org" || u.Query().Get("token") != out.Token {
		f.t.Fatalf("caption URL %q", out.URL)
	}
	return out.Token, u.Path
}

// postCaption posts text as a captioner: the token as a bearer token when
// bearer is set, else in the URL.
func (f *roomFixture) postCaption(path, secret string, bearer bool, query, text string) resp {
	f.t.Helper()
	h := map[string]string{"Content-Type": "text/plain; charset=utf-8"}
	if bearer {
		h["Authorization"] = "Bearer " + secret
	} else {
		query += "&token=" + url.QueryEscape(secret)
	}
	return f.do(req{method: "POST", path: path + "?" + query, body: text, header: h})
}

func TestCaptionIngestReachesTheRoomAndComesBackAsWebVTT(t *testing.T) {
	t.Parallel()
	var clock captionClock
	clock.set(time.Now().UTC())
	f := newRoomFixtureWith(t, server.Config{Now: clock.now}, nil)
	start := f.items[0].Start
	floorSecret, floorPath := f.newCaptionToken("floor", "CART provider")
	frSecret, frPath := f.newCaptionToken("fr", "ASR fr")

	listener := f.anon("Listener")
	clock.set(start.Add(65*time.Second + 500*time.Millisecond))
	r := f.postCaption(floorPath, floorSecret, true, "seq=1&lang=en-US&speaker="+url.QueryEscape("Michel Forst"), "Welcome <all> & thank you")
	if r.status != http.StatusOK {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	env := listener.expect(realtime.MsgCaption)
	var c struct {
		Channel, Text, Speaker, Lang string
	}
	mustUnmarshal(t, env.Data, &c)
	if c.Channel != "floor" || c.Text != "Welcome <all> & thank you" || c.Speaker != "Michel Forst" || c.Lang != "en" || env.From != "" || env.Seq == 0 {
		t.Fatalf("caption in the room: %+v %s", env, env.Data)
	}

	clock.set(start.Add(70 * time.Second))
	tests := []struct {
		name       string
		path       string
		secret     string
		bearer     bool
		query      string
		text       string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"the next seq, token in the URL", floorPath, floorSecret, false, "seq=2&lang=fr&speaker=Rapporteuse", "Merci.\nDeuxième ligne", 200, "", ""},
		{"the same seq again", floorPath, floorSecret, false, "seq=2&lang=fr", "Merci.", 200, "", ""},
		{"a lower seq", floorPath, floorSecret, true, "seq=1&lang=fr", "late", 409, "seq_out_of_order", "seq"},
		{"no seq", floorPath, floorSecret, true, "lang=fr", "x", 422, "invalid", "seq"},
		{"no language on the floor", floorPath, floorSecret, true, "seq=9", "x", 422, "invalid", "lang"},
		{"another language on a language channel", frPath, frSecret, true, "seq=1&lang=en", "x", 422, "invalid", "lang"},
		{"an empty caption", floorPath, floorSecret, true, "seq=9&lang=fr", "\n \n", 422, "invalid", "body"},
		{"too long", floorPath, floorSecret, true, "seq=9&lang=fr", strings.Repeat("é", 1001), 422, "invalid", "body"},
		{"a token for another channel", frPath, floorSecret, true, "seq=9&lang=fr", "x", 401, "unauthorized", ""},
		{"an unknown token", floorPath, "mjc_" + strings.Repeat("a", 52), true, "seq=9&lang=fr", "x", 401, "unauthorized", ""},
		{"no token", floorPath, "", false, "seq=9&lang=fr", "x", 401, "unauthorized", ""},
		{"an organizer token is no caption token", floorPath, f.alice, true, "seq=9&lang=fr", "x", 401, "unauthorized", ""},
		{"the French channel", frPath, frSecret, false, "seq=1", "Bienvenue", 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.postCaption(tc.path, tc.secret, tc.bearer, tc.query, tc.text)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if tc.wantCode == "" {
				return
			}
			code, fields := errorOf(t, r)
			if code != tc.wantCode || (tc.wantField != "" && fields[tc.wantField] == "") {
				t.Fatalf("error %s %v, want %s naming %q", code, fields, tc.wantCode, tc.wantField)
			}
		})
	}
	// The duplicate was not shown twice: the next caption in the room is
	// seq 2's, then the French one.
	if env := listener.expect(realtime.MsgCaption); !strings.Contains(string(env.Data), "Deuxième ligne") {
		t.Fatalf("second caption %s", env.Data)
	}
	if env := listener.expect(realtime.MsgCaption); !strings.Contains(string(env.Data), "Bienvenue") {
		t.Fatalf("third caption %s", env.Data)
	}

	// The list never shows a secret; a revoked token stops at once.
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/caption-tokens", token: f.alice})
	var list struct {
		CaptionTokens []struct{ ID, Channel, Label string } `json:"caption_tokens"`
	}
	mustUnmarshal(t, r.body, &list)
	if r.status != 200 || len(list.CaptionTokens) != 2 || bytes.Contains(r.body, []byte("mjc_")) {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	if r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/caption-tokens"}); r.status != 401 {
		t.Fatalf("anyone lists: %d", r.status)
	}
	fr := list.CaptionTokens[0]
	if fr.Channel != "fr" {
		fr = list.CaptionTokens[1]
	}
	if r := f.do(req{method: "DELETE", path: "/api/v1/events/" + roomEvent + "/caption-tokens/" + fr.ID, token: f.alice}); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := f.postCaption(frPath, frSecret, true, "seq=2", "encore"); r.status != 401 {
		t.Fatalf("a revoked token posts: %d %s", r.status, r.body)
	}

	// Captions out: WebVTT read by the independent parser, times from the
	// session's start, voice spans with the speakers' names.
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/captions/floor.vtt"})
	if r.status != 200 || r.header.Get("Content-Type") != "text/vtt; charset=utf-8" {
		t.Fatalf("floor.vtt: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	if !bytes.Contains(r.body, []byte("<v Michel Forst>")) {
		t.Fatalf("no voice span in\n%s", r.body)
	}
	cues := webvttCues(t, r.body)
	want := []webvttCue{
		{Start: 65500, End: 70000, Speaker: "Michel Forst", Text: "Welcome <all> & thank you"},
		{Start: 70000, End: 74000, Speaker: "Rapporteuse", Text: "Merci.\nDeuxième ligne"},
	}
	if fmt.Sprint(cues) != fmt.Sprint(want) {
		t.Fatalf("webvtt-py read %+v, want %+v\n%s", cues, want, r.body)
	}
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/captions/fr.txt"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") || string(r.body) != "[00:01:10] Bienvenue\n" {
		t.Fatalf("fr.txt: %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
	// Once the event is over, its page links the channels that have
	// captions, and only those.
	page := func() string {
		r := f.do(req{method: "GET", path: "/events/" + roomEvent + "?lang=en"})
		if r.status != 200 {
			t.Fatalf("event page: %d", r.status)
		}
		return string(r.body)
	}
	if strings.Contains(page(), "/captions/") {
		t.Fatal("the event page links captions while the event runs")
	}
	clock.set(start.Add(2 * time.Hour))
	body := page()
	for _, want := range []string{"/api/v1/events/" + roomEvent + "/captions/floor.vtt", "/api/v1/events/" + roomEvent + "/captions/fr.txt"} {
		if !strings.Contains(body, want) {
			t.Errorf("the event page does not link %s", want)
		}
	}
	if strings.Contains(body, "/captions/es.vtt") {
		t.Error("the event page links a channel without captions")
	}
	for _, p := range []string{"floor.srt", "floor", "xx.vtt"} {
		if r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/captions/" + p}); r.status != 404 {
			t.Errorf("%s: %d, want 404", p, r.status)
		}
	}
}

// webvttCue is a cue as webvtt-py reads it: times in milliseconds.
type webvttCue struct {
	Start, End    int64
	Speaker, Text string
}

// webvttCues reads data with Debian's python3-webvtt (never our writer's
// own idea of the format). Missing, the test fails with how to install it.
func webvttCues(t *testing.T, data []byte) []webvttCue {
	t.Helper()
	py := "python3"
	if p := os.Getenv("MAJLIS_PYTHON"); p != "" {
		py = p
	}
	if out, err := exec.Command(py, "-c", "import webvtt").CombinedOutput(); err != nil {
		py = "/usr/bin/python3"
		if out2, err2 := exec.Command(py, "-c", "import webvtt").CombinedOutput(); err2 != nil {
			t.Fatalf("no python3 can import webvtt (%s; %s): install Debian's python3-webvtt (sudo apt-get install python3-webvtt); scripts/test does this", out, out2)
		}
	}
	path := filepath.Join(t.TempDir(), "captions.vtt")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	const script = `
import html, json, re, sys, webvtt
out = []
for c in webvtt.read(sys.argv[1]):
    m = re.match(r'<v(?:\.[^ \t>]*)?[ \t]([^>]*)>', c.raw_text)
    out.append({"start": round(c.start_in_seconds * 1000), "end": round(c.end_in_seconds * 1000),
                "speaker": html.unescape(m.group(1)) if m else "", "text": html.unescape(c.text)})
json.dump(out, sys.stdout, ensure_ascii=False)
`
	out, err := exec.Command(py, "-c", script, path).Output()
	if err != nil {
		t.Fatalf("webvtt-py cannot read the file: %v\n%s", err, data)
	}
	var cues []webvttCue
	if err := json.Unmarshal(out, &cues); err != nil {
		t.Fatalf("webvtt-py output %s: %v", out, err)
	}
	return cues
}
