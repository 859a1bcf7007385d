package registration_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// python3 finds an interpreter ($MAJLIS_PYTHON, else python3 on PATH, else
// /usr/bin/python3); missing, the test fails with how to install it.
func python3(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if py := os.Getenv("MAJLIS_PYTHON"); py != "" {
		candidates = []string{py}
	}
	var tried []string
	for _, py := range candidates {
		out, err := exec.Command(py, "-c", "import csv, json").CombinedOutput()
		if err == nil {
			return py
		}
		tried = append(tried, fmt.Sprintf("%s: %v: %s", py, err, bytes.TrimSpace(out)))
	}
	t.Fatalf("no python3 found (%s): install Debian's python3 (sudo apt-get install python3), or set MAJLIS_PYTHON", strings.Join(tried, "; "))
	return ""
}

// pyReadCSV parses b with Python's csv module (an independent parser)
// and returns the rows.
func pyReadCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	const script = `import csv, io, json, sys
data = sys.stdin.buffer.read().decode("utf-8-sig")
print(json.dumps(list(csv.reader(io.StringIO(data, newline="")))))`
	cmd := exec.Command(python3(t), "-c", script)
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python csv: %v: %s", err, stderr.String())
	}
	var rows [][]string
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("python csv output: %v: %s", err, out)
	}
	return rows
}

func exportForm() registration.Form {
	return registration.Form{Event: "w", Questions: []registration.Question{
		{ID: "org", Kind: registration.KindText, MaxRunes: 500, Label: agenda.Text{"en": "Organisation"}},
		{ID: "topics", Kind: registration.KindChoices, Label: agenda.Text{"en": "Topics"}, Options: []registration.Option{
			{ID: "reprisals", Label: agenda.Text{"en": "Reprisals", "ar": "الأعمال الانتقامية"}},
			{ID: "civic", Label: agenda.Text{"en": "Civic space, \"online\"", "ar": "الفضاء المدني"}},
		}},
		{ID: "consent", Kind: registration.KindConsent, Required: true, Label: agenda.Text{"en": "I agree"}},
	}}
}

func TestCSVRoundTripThroughPython(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 14, 30, 0, 0, time.UTC)
	regs := []registration.Registration{
		{Seq: 1, ID: "r_a", Status: registration.StatusApproved, Created: at, History: []registration.Step{{Status: registration.StatusApproved, At: at}},
			Name: "ليلى بن علي", Email: "leila@example.org", Language: "ar",
			Answers: map[string]registration.Answer{"org": {Text: "الهيئة الوطنية، \"فرع\" الجنوب"}, "topics": {Choices: []string{"reprisals", "civic"}}, "consent": {Consent: true}}},
		{Seq: 2, ID: "r_b", Status: registration.StatusDeclined, Created: at, History: []registration.Step{{Status: registration.StatusPending, At: at}, {Status: registration.StatusDeclined, At: at.Add(time.Hour)}},
			Name: "=HYPERLINK(\"http://evil.example\",\"x\")", Pseudonym: true, Language: "en", Message: "Sorry,\nthe room is full.",
			Answers: map[string]registration.Answer{"org": {Text: "+33 1 23 45"}, "consent": {Consent: true}}},
		{Seq: 3, ID: "r_c", Status: registration.StatusWaitlisted, Created: at, Name: "@SUM(A1)", Language: "es",
			Answers: map[string]registration.Answer{"org": {Text: "-2+3"}, "topics": {Choices: []string{"civic"}}}},
		{Seq: 4, ID: "r_d", Status: registration.StatusPending, Created: at, Name: "\tTab", Language: "fr",
			Answers: map[string]registration.Answer{"org": {Text: "\rcarriage"}}},
	}
	var buf bytes.Buffer
	if err := registration.WriteCSV(&buf, exportForm(), regs, "ar"); err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"seq", "id", "status", "registered", "status_since", "name", "pseudonym", "email", "language", "decline_message", "org", "topics", "consent"},
		{"1", "r_a", "approved", "2026-07-01T14:30:00Z", "2026-07-01T14:30:00Z", "ليلى بن علي", "", "leila@example.org", "ar", "", "الهيئة الوطنية، \"فرع\" الجنوب", "الأعمال الانتقامية\nالفضاء المدني", "yes"},
		{"2", "r_b", "declined", "2026-07-01T14:30:00Z", "2026-07-01T15:30:00Z", "'=HYPERLINK(\"http://evil.example\",\"x\")", "yes", "", "en", "Sorry,\nthe room is full.", "'+33 1 23 45", "", "yes"},
		{"3", "r_c", "waitlisted", "2026-07-01T14:30:00Z", "2026-07-01T14:30:00Z", "'@SUM(A1)", "", "", "es", "", "'-2+3", "الفضاء المدني", ""},
		{"4", "r_d", "pending", "2026-07-01T14:30:00Z", "2026-07-01T14:30:00Z", "'\tTab", "", "", "fr", "", "'\rcarriage", "", ""},
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeffseq,id,")) {
		t.Fatalf("no byte order mark or header: %q", buf.String()[:20])
	}
	got := pyReadCSV(t, buf.Bytes())
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("python read\n%q\nwant\n%q", got, want)
	}
}

func TestSafeCell(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""}, {"Amina", "Amina"}, {"=1+1", "'=1+1"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@x", "'@x"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"a=b", "a=b"}, {"'=x", "'=x"}, {"٣", "٣"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := registration.SafeCell(tc.in); got != tc.want {
				t.Fatalf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
