package realtime

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCommand feeds arbitrary frames to the decoder: it must never
// panic, must accept only known commands with server fields unset, and
// what it accepts must survive re-encoding.
func FuzzDecodeCommand(f *testing.F) {
	for _, seed := range []string{
		`{"type":"chat","data":{"text":"مرحبا"}}`,
		`{"type":"chat","to":"hosts","id":"c1","data":{"text":"hi"}}`,
		`{"type":"hand.raise"}`,
		`{"type":"floor.reorder","data":{"queue":["m-1","m-2"]}}`,
		`{"type":"agenda.start","data":{"item":"it-1"}}`,
		`{"type":"chat","seq":1}`,
		`{"type":"chat"}{"type":"chat"}`,
		`{"type":"\u0000"}`,
		`[]`, `null`, `"chat"`, ``, `{`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		env, e := decodeCommand(frame)
		if e != nil {
			if e.Code == "" || e.Message == "" || !utf8.ValidString(e.Message) {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		if !slices.Contains(Commands, env.Type) || env.Seq != 0 || env.TS != 0 || env.From != "" || len(env.ID) > 64 {
			t.Fatalf("accepted %q as %+v", frame, env)
		}
		if env.To != ToEveryone && env.To != ToHosts {
			t.Fatalf("accepted audience %q", env.To)
		}
		b, err := json.Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, e := decodeCommand(b)
		if e != nil || again.Type != env.Type || again.ID != env.ID || again.To != env.To {
			t.Fatalf("round trip changed %+v into %+v (%v)", env, again, e)
		}
	})
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  hello\r\n", "hello"},
		{"a\x00b\x1bc", "abc"},
		{"line one\nline two", "line one\nline two"},
		{"ok\u2028injected", "ok\ninjected"},
		{"\u2067admin\u2069: hi", "admin: hi"},
		{"Re\u0301union", "R\u00e9union"},
		{"ال\u200dعربية 👩\u200d👩\u200d👧", "ال\u200dعربية 👩\u200d👩\u200d👧"},
		{"\xffbad", "\uFFFDbad"},
		{"مرحبا", "مرحبا"},
		{"gnp.\u202eexe", "gnp.exe"},
		{"\u200fمرحبا", "\u200fمرحبا"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCommandTable(t *testing.T) {
	seen := map[MsgType]bool{}
	for _, c := range commandTable {
		if seen[c.Type] {
			t.Errorf("%s declared twice", c.Type)
		}
		seen[c.Type] = true
		if len(c.Roles) == 0 {
			t.Errorf("no role may send %s", c.Type)
		}
		// Observers act on nothing: they pick a channel, and read the
		// assembly (its roll and ballots) as everyone in the room may.
		if RoleObserver.Can(c.Type) != (c.Type == CmdChannel || c.Type == CmdAssemblyGet) {
			t.Errorf("observer and %s: %v; an observer may only pick a channel and read the assembly", c.Type, RoleObserver.Can(c.Type))
		}
		if c.run == nil {
			t.Errorf("%s has no handler", c.Type)
		}
		if strings.ContainsAny(string(c.Type), " `|") {
			t.Errorf("%q: command names are single tokens", c.Type)
		}
	}
}

// TestProtocolDocListsEveryCommand: the command tables of
// docs/protocol.md list exactly the commands of the table.
func TestProtocolDocListsEveryCommand(t *testing.T) {
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[MsgType]bool{}
	inCommands := false
	for line := range strings.Lines(string(doc)) {
		if strings.HasPrefix(line, "#") {
			inCommands = strings.Contains(line, "Commands") || strings.Contains(line, "commands")
			continue
		}
		if !inCommands || !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, part := range strings.Split(first, "/") {
			documented[MsgType(strings.Trim(strings.TrimSpace(part), "`"))] = true
		}
	}
	for _, c := range Commands {
		if !documented[c] {
			t.Errorf("docs/protocol.md does not list the command %s", c)
		}
		delete(documented, c)
	}
	for c := range documented {
		t.Errorf("docs/protocol.md lists %s, which is no command", c)
	}
}
