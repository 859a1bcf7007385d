package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/broker"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/realtime"
	"github.com/majlis/majlis/store"
)

// institution puts an institution of the given status in the registry
// (once) and returns its id.
func (f *roomFixture) institution(id string, status institution.Status) string {
	f.t.Helper()
	return putInstitution(f.t, f.st, id, status)
}

func putInstitution(t *testing.T, st *store.Bolt, id string, status institution.Status) string {
	t.Helper()
	ctx := context.Background()
	if _, err := st.GetInstitution(ctx, id); err == nil {
		return id
	} else if !errors.Is(err, institution.ErrNotFound) {
		t.Fatal(err)
	}
	in := institution.Institution{ID: id, Name: agenda.Text{"en": "Institution " + id + " (fictional)", "ar": "مؤسسة " + id},
		Country: "XA", Region: agenda.RegionAfrica, Status: status, AccreditedOn: "2017-11-20",
		History: []institution.Change{{Status: status, Date: "2017-11-20"}}, Delegates: []institution.Delegate{}}
	if _, err := st.PutInstitution(ctx, in, 0); err != nil {
		t.Fatal(err)
	}
	return id
}

// assemblyRoom is a room fixture whose agenda's last item is a vote, with
// a registry of three A-status institutions and one B.
func newAssemblyRoom(t *testing.T) *roomFixture {
	f := newRoomFixture(t, func(st *store.Bolt) *realtime.Node {
		return realtime.New(realtime.Config{CommandRate: 1000, CommandBurst: 1000}, broker.NewMemory(broker.MemoryConfig{}), st)
	})
	items := slices.Clone(f.items)
	items[2].Kind = agenda.ItemVote
	// The draft, then its release: the room runs the published agenda.
	if _, err := f.svc.PutAgenda(context.Background(), roomEvent, items, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Publish(context.Background(), roomEvent, "", "", 0); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"inst-a1", "inst-a2", "inst-a3"} {
		f.institution(id, institution.StatusA)
	}
	f.institution("inst-b1", institution.StatusB)
	return f
}

// delegate joins as a delegate of inst.
func (f *roomFixture) delegate(name, inst string) *member {
	m, _ := f.join(name, "token="+url.QueryEscape(f.inviteWith(fmt.Sprintf(`{"role":"delegate","name":%q,"institution":%q}`, name, inst))))
	return m
}

// answer reads m's messages until the reply to the command id: its error
// code, or "" for the message of type ok that it caused (from m, or a
// receipt, which only the caster receives).
func (m *member) answer(id string, ok realtime.MsgType) (string, realtime.Envelope) {
	m.t.Helper()
	for {
		env := m.next()
		if env.Type == realtime.MsgError && env.ID == id {
			return string(errorCode(m.t, env)), env
		}
		if env.Type == ok && (env.From == m.id || ok == realtime.MsgReceipt) {
			return "", env
		}
	}
}

// commands returns try: m sends cmd with data, and its answer must be the
// message ok (want "") or the refusal with the code want.
func commands(t *testing.T) func(m *member, cmd realtime.MsgType, data any, ok realtime.MsgType, want string) realtime.Envelope {
	step := 0
	return func(m *member, cmd realtime.MsgType, data any, ok realtime.MsgType, want string) realtime.Envelope {
		t.Helper()
		step++
		id := fmt.Sprintf("step-%d", step)
		m.send(cmd, id, data)
		got, env := m.answer(id, ok)
		if got != want {
			t.Fatalf("%s %s %v: got %q, want %q (%s)", m.name, cmd, data, got, want, env.Data)
		}
		return env
	}
}

// TestAssemblyInTheRoom runs a secret motion from the roll call to the
// verdict, with every refusal the issue lists; then checks that neither
// the room log (replayed to a client resuming from the start) nor any
// message links an institution to its paper, and that receipts verify.
func TestAssemblyInTheRoom(t *testing.T) {
	f := newAssemblyRoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	d1 := f.delegate("Delegate of A1", "inst-a1")
	alt := f.delegate("Alternate of A1", "inst-a1")
	d2 := f.delegate("Delegate of A2", "inst-a2")
	db := f.delegate("Delegate of B1", "inst-b1")
	pa := f.anon("A participant")
	try := commands(t)
	var prepared struct {
		ID     string `json:"id"`
		Rules  ballot.Rules
		Secret bool
	}
	env := try(host, realtime.CmdBallotPrepare, map[string]any{"item": "it-qa", "kind": "motion", "secret": true,
		"title": map[string]string{"ar": "اعتماد الميزانية", "en": "Adoption of the budget"}, "rules": map[string]any{"majority": "two-thirds-cast"}}, realtime.MsgBallot, "")
	mustUnmarshal(t, env.Data, &prepared)
	if prepared.Rules.Quorum.Rule != ballot.QuorumMembersMajority || !prepared.Secret {
		t.Fatalf("prepared %s", env.Data)
	}
	try(host, realtime.CmdBallotPrepare, map[string]any{"item": "it-talk", "kind": "motion", "title": map[string]string{"en": "x"}}, realtime.MsgBallot, "invalid_state")
	b := map[string]string{"ballot": prepared.ID}
	try(host, realtime.CmdBallotOpen, b, realtime.MsgBallot, "no_quorum")
	try(host, realtime.CmdRollCall, map[string]bool{"open": true}, realtime.MsgRoll, "")
	try(d1, realtime.CmdRollMark, map[string]any{"institution": "inst-a2", "present": true}, realtime.MsgRoll, "wrong_institution")
	try(d1, realtime.CmdRollMark, map[string]any{"institution": "inst-a1", "present": true}, realtime.MsgRoll, "")
	try(host, realtime.CmdRollMark, map[string]any{"institution": "inst-a2", "present": true}, realtime.MsgRoll, "")
	try(db, realtime.CmdRollMark, map[string]any{"institution": "inst-b1", "present": true}, realtime.MsgRoll, "")
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-b1", "to": "inst-a1"}, realtime.MsgRoll, "proxy_not_a_status")
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-a3", "to": "inst-a1"}, realtime.MsgRoll, "")
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-a2", "to": "inst-a1"}, realtime.MsgRoll, "proxy_over_cap")
	env = try(host, realtime.CmdBallotOpen, b, realtime.MsgBallot, "")
	if !strings.Contains(string(env.Data), `"state":"open"`) {
		t.Fatalf("opened: %s", env.Data)
	}

	yes, no := map[string]string{"option": "yes"}, map[string]string{"option": "no"}
	cast := func(m *member, inst string, choice any, want string) string {
		t.Helper()
		env := try(m, realtime.CmdBallotCast, map[string]any{"ballot": prepared.ID, "institution": inst, "choice": choice}, realtime.MsgReceipt, want)
		if want != "" {
			return ""
		}
		var rc ballot.Receipt
		mustUnmarshal(t, env.Data, &rc)
		if rc.Code == "" || rc.Institution != inst {
			t.Fatalf("receipt %s", env.Data)
		}
		return rc.Code
	}
	cast(pa, "inst-a1", yes, "forbidden")
	cast(db, "inst-b1", yes, "not_eligible")
	cast(d2, "inst-a1", yes, "wrong_institution")
	cast(d2, "inst-a3", yes, "wrong_institution") // its proxy is held by A1
	r1 := cast(d1, "inst-a1", yes, "")
	cast(alt, "inst-a1", no, "already_voted") // one ballot per institution, whoever casts it
	cast(d1, "inst-a1", no, "already_voted")  // a secret ballot cannot be changed
	r3 := cast(d1, "inst-a3", no, "")         // the proxy, cast separately
	r2 := cast(d2, "inst-a2", yes, "")
	cast(d1, "inst-a1", map[string]string{"option": "maybe"}, "bad_message")

	env = try(host, realtime.CmdBallotClose, b, realtime.MsgBallot, "")
	var closed struct {
		Verdict ballot.Verdict
	}
	mustUnmarshal(t, env.Data, &closed)
	v := closed.Verdict
	// 2 yes, 1 no: 3 × 2 = 6 ≥ 2 × 3 = 6, exactly two thirds: adopted.
	if v.Outcome != ballot.OutcomeAdopted || v.Tally.Yes != 2 || v.Tally.No != 1 || v.Checks[0].Left.Product() != 6 || v.Checks[0].Right.Product() != 6 {
		t.Fatalf("verdict %+v", v)
	}
	cast(d2, "inst-a2", no, "ballot_closed")

	// The room log, replayed from its start to a new client, and every
	// message the host received, hold no receipt; no turnout names anyone.
	late, first := f.join("late", "name=late&since=1&epoch="+host.epoch)
	if first.Type != realtime.MsgResume {
		t.Fatalf("first %s", first.Type)
	}
	late.send(realtime.CmdChat, "end", map[string]string{"text": "end of log"})
	var logged []string
	for {
		env := late.next()
		logged = append(logged, string(mustJSON(t, env)))
		if env.Type == realtime.MsgChat {
			break
		}
	}
	for _, line := range logged {
		for _, code := range []string{r1, r2, r3} {
			if strings.Contains(line, code) || strings.Contains(line, strings.ReplaceAll(code, "-", "")) {
				t.Fatalf("the room log holds a receipt: %s", line)
			}
		}
		if strings.Contains(line, `"type":"turnout"`) || strings.Contains(line, `"type":"receipt"`) || strings.Contains(line, `"type":"vote"`) {
			t.Fatalf("a cast left a trace in the room log: %s", line)
		}
	}

	for code, want := range map[string]int{r1: 200, r3: 200, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA": 404, "forged": 404} {
		r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/ballots/" + prepared.ID + "/receipts/" + url.PathEscape(code)})
		if r.status != want {
			t.Fatalf("receipt %s: %d %s", code, r.status, r.body)
		}
		if want == 404 {
			if c, _ := errorOf(t, r); c != "forged_receipt" {
				t.Fatalf("receipt %s: code %s", code, c)
			}
		}
	}
	r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/results"})
	if r.status != 200 || !strings.Contains(string(r.body), r2) || strings.Contains(string(r.body), `"institution"`) {
		t.Fatalf("results: %d %s", r.status, r.body)
	}
	// The CSV, read back by Python's csv module: one row per ballot.
	r = f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/results.csv?lang=ar"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("results.csv: %d %s", r.status, r.body)
	}
	py := exec.Command("python3", "-c", `import csv, json, sys
rows = list(csv.DictReader(sys.stdin))
print(json.dumps(rows, ensure_ascii=False))`)
	py.Stdin = strings.NewReader(string(r.body))
	out, err := py.Output()
	if err != nil {
		t.Fatalf("python3 csv: %v (is python3 installed?)", err)
	}
	var rows []map[string]string
	mustUnmarshal(t, out, &rows)
	if len(rows) != 1 || rows[0]["title"] != "اعتماد الميزانية" || rows[0]["outcome"] != "adopted" || rows[0]["yes"] != "2" ||
		rows[0]["quorum_counted"] != "2" || !strings.Contains(rows[0]["checks"], "3×yes=6 >= 2×cast=6") {
		t.Fatalf("CSV rows %v", rows)
	}
	// The results page, in Arabic.
	r = f.do(req{method: "GET", path: "/events/" + roomEvent + "/results?lang=ar"})
	if r.status != 200 || !strings.Contains(string(r.body), "اعتُمد") || !strings.Contains(string(r.body), r3) {
		t.Fatalf("results page: %d %s", r.status, r.body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNamedBallotPublishesEachVote: during a named ballot every member of
// the room sees each institution's vote as it is cast (with the proxy
// holder that cast it), in the room's log; a vote changed before the
// close replaces the earlier one (whoever of the institution's delegates
// casts it), the verdict counts the last, and after the close a change is
// refused and published nowhere.
func TestNamedBallotPublishesEachVote(t *testing.T) {
	f := newAssemblyRoom(t)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	d1 := f.delegate("Delegate of A1", "inst-a1")
	alt := f.delegate("Alternate of A1", "inst-a1")
	d2 := f.delegate("Delegate of A2", "inst-a2")
	pa := f.anon("A participant")
	try := commands(t)
	try(host, realtime.CmdRollMark, map[string]any{"institution": "inst-a1", "present": true}, realtime.MsgRoll, "")
	try(host, realtime.CmdRollMark, map[string]any{"institution": "inst-a2", "present": true}, realtime.MsgRoll, "")
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-a3", "to": "inst-a1"}, realtime.MsgRoll, "")
	var prepared struct {
		ID string `json:"id"`
	}
	mustUnmarshal(t, try(host, realtime.CmdBallotPrepare, map[string]any{"item": "it-qa", "kind": "motion", "secret": false,
		"title": map[string]string{"en": "Adoption of the annual report"}}, realtime.MsgBallot, "").Data, &prepared)
	b := map[string]string{"ballot": prepared.ID}
	try(host, realtime.CmdBallotOpen, b, realtime.MsgBallot, "")

	type published struct {
		Ballot, Institution, Via string
		Choice                   ballot.Choice
	}
	seen := func(m *member) published {
		t.Helper()
		var v published
		mustUnmarshal(t, m.expectSkipping(realtime.MsgVote).Data, &v)
		return v
	}
	cast := func(m *member, inst, option, want string) {
		t.Helper()
		try(m, realtime.CmdBallotCast, map[string]any{"ballot": prepared.ID, "institution": inst, "choice": map[string]string{"option": option}}, realtime.MsgReceipt, want)
	}
	for _, c := range []struct {
		who         *member
		inst, opt   string
		wantVia     string
		description string
	}{
		{d1, "inst-a1", "yes", "", "a first vote"},
		{d1, "inst-a1", "no", "", "changed by the same delegate"},
		{alt, "inst-a1", "abstain", "", "changed by the alternate: one vote per institution"},
		{d1, "inst-a3", "yes", "inst-a1", "the proxy, cast separately"},
		{d2, "inst-a2", "yes", "", "another institution"},
	} {
		cast(c.who, c.inst, c.opt, "")
		for _, m := range []*member{pa, host} {
			v := seen(m)
			if v.Ballot != prepared.ID || v.Institution != c.inst || v.Via != c.wantVia || string(v.Choice.Option) != c.opt {
				t.Fatalf("%s: %s saw %+v", c.description, m.name, v)
			}
		}
	}
	cast(d2, "inst-a1", "yes", "wrong_institution")

	// What a member entering now is shown: the votes so far, the last of each.
	late := f.anon("Late participant")
	late.send(realtime.CmdAssemblyGet, "get", nil)
	var view struct {
		Ballots []struct {
			ID    string        `json:"id"`
			Votes []ballot.Vote `json:"votes"`
		} `json:"ballots"`
	}
	mustUnmarshal(t, late.expectSkipping(realtime.MsgAssembly).Data, &view)
	if len(view.Ballots) != 1 || len(view.Ballots[0].Votes) != 3 || view.Ballots[0].Votes[0].Choice.Option != ballot.OptionAbstain {
		t.Fatalf("assembly.get: %+v", view)
	}

	env := try(host, realtime.CmdBallotClose, b, realtime.MsgBallot, "")
	var closed struct {
		Verdict ballot.Verdict
	}
	mustUnmarshal(t, env.Data, &closed)
	// yes: A2 and A3 (by proxy); abstain: A1. Simple majority: 2 > 0.
	if closed.Verdict.Outcome != ballot.OutcomeAdopted || closed.Verdict.Tally.Yes != 2 || closed.Verdict.Tally.Abstain != 1 || closed.Verdict.Tally.No != 0 {
		t.Fatalf("verdict %+v", closed.Verdict)
	}
	cast(d1, "inst-a1", "yes", "ballot_closed")

	// The room's log, replayed from its start, holds the five votes, and
	// nothing after the close.
	replay, _ := f.join("replay", "name=replay&since=1&epoch="+host.epoch)
	replay.send(realtime.CmdChat, "end", map[string]string{"text": "end of log"})
	var votes []string
	for {
		env := replay.next()
		if env.Type == realtime.MsgVote {
			votes = append(votes, string(env.Data))
		}
		if env.Type == realtime.MsgChat {
			break
		}
	}
	if len(votes) != 5 {
		t.Fatalf("the log holds %d votes: %v", len(votes), votes)
	}
	r := f.do(req{method: "GET", path: "/api/v1/events/" + roomEvent + "/results"})
	if !strings.Contains(string(r.body), `"votes":[{"institution":"inst-a1","choice":{"option":"abstain"}},{"institution":"inst-a2","choice":{"option":"yes"}},{"institution":"inst-a3","via":"inst-a1","choice":{"option":"yes"}}]`) {
		t.Fatalf("results: %s", r.body)
	}
}

// TestProxyRulesInTheRoom: the host sets the cap on proxies per holder
// and whether a proxy outlives its giver's return; the roll shows both; a
// cap under what is held is refused with nothing changed.
func TestProxyRulesInTheRoom(t *testing.T) {
	f := newAssemblyRoom(t)
	f.institution("inst-a4", institution.StatusA)
	host, _ := f.join("alice", "token="+url.QueryEscape(f.alice))
	d1 := f.delegate("Delegate of A1", "inst-a1")
	try := commands(t)
	var roll struct {
		Proxies     []ballot.Proxy `json:"proxies"`
		ProxyCap    int            `json:"proxy_cap"`
		KeepProxies bool           `json:"keep_proxies"`
	}
	rollOf := func(env realtime.Envelope) {
		t.Helper()
		roll.Proxies = nil
		mustUnmarshal(t, env.Data, &roll)
	}
	rollOf(try(host, realtime.CmdProxyRules, map[string]any{"cap": 2, "keep": true}, realtime.MsgRoll, ""))
	if roll.ProxyCap != 2 || !roll.KeepProxies {
		t.Fatalf("rules %+v", roll)
	}
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-a2", "to": "inst-a1"}, realtime.MsgRoll, "")
	try(host, realtime.CmdProxyGrant, map[string]string{"from": "inst-a3", "to": "inst-a1"}, realtime.MsgRoll, "")
	try(host, realtime.CmdProxyRules, map[string]any{"cap": 1, "keep": true}, realtime.MsgRoll, "proxy_over_cap")
	try(host, realtime.CmdProxyRules, map[string]any{"cap": 11}, realtime.MsgRoll, "bad_message")
	try(d1, realtime.CmdProxyRules, map[string]any{"cap": 3}, realtime.MsgRoll, "forbidden")
	rollOf(try(host, realtime.CmdRollMark, map[string]any{"institution": "inst-a2", "present": true}, realtime.MsgRoll, ""))
	if len(roll.Proxies) != 2 || roll.ProxyCap != 2 {
		t.Fatalf("kept proxies after a refused change and a return: %+v", roll)
	}
	rollOf(try(host, realtime.CmdProxyRules, map[string]any{"cap": 2, "keep": false}, realtime.MsgRoll, ""))
	if len(roll.Proxies) != 1 || roll.Proxies[0].From != "inst-a3" || roll.KeepProxies {
		t.Fatalf("no longer kept: %+v", roll)
	}
}
