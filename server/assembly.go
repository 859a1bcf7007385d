package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/ballot"
	"github.com/majlis/majlis/institution"
	"github.com/majlis/majlis/realtime"
)

// The general assembly's wiring (issue 15): delegates on invitations; the
// room commands are realtime's (assembly.go there).

// checkDelegate checks a delegate invitation's institution: the ID of an
// institution of the registry (a delegate acts for it; alternates are
// more delegate invitations for the same institution).
func (s *Server) checkDelegate(ctx context.Context, inst string, fields map[string]string) {
	if s.institutions == nil {
		fields["role"] = "this service keeps no registry of institutions, so it has no delegates"
		return
	}
	if !institution.ValidID(inst) {
		fields["institution"] = "a delegate acts for an institution: its id in the registry"
		return
	}
	if _, err := s.institutions.Get(ctx, inst); errors.Is(err, institution.ErrNotFound) {
		fields["institution"] = "no institution of the registry has this id"
	} else if err != nil {
		fields["institution"] = "the registry could not be read; try again"
	}
}

// addDelegate lets a delegate invitation's holder act for its institution
// in the event's assembly (the roll is made from the registry if need be).
func (s *Server) addDelegate(ctx context.Context, inv access.Invite) error {
	if inv.Role != string(realtime.RoleDelegate) {
		return nil
	}
	if _, err := s.ballots.AddDelegate(ctx, inv.Event, inv.Institution, "invite:"+inv.ID); err != nil {
		return fmt.Errorf("server: the delegate of invitation %s: %w", inv.ID, err)
	}
	return nil
}

// assemblyResults is the record of an assembly: every ballot that is not a
// draft, closed ones with their verdict and papers or votes.
type assemblyResults struct {
	Event   string           `json:"event"`
	Ballots []ballot.Results `json:"ballots"`
}

// results reads the record of event e's assembly.
func (s *Server) results(ctx context.Context, e agenda.Event) (assemblyResults, error) {
	out := assemblyResults{Event: e.ID, Ballots: []ballot.Results{}}
	if s.ballots == nil {
		return out, nil
	}
	bs, err := s.ballots.List(ctx, e.ID)
	if err != nil {
		return out, err
	}
	for _, b := range bs {
		switch {
		case b.State == ballot.StateDraft:
			continue
		case b.State == ballot.StateClosed && b.Verdict != nil:
			r, err := s.ballots.Results(ctx, b.ID)
			if err != nil {
				return out, err
			}
			out.Ballots = append(out.Ballots, r)
		default: // open: no voters, no papers yet
			out.Ballots = append(out.Ballots, ballot.Results{Ballot: b, Voters: []string{}})
		}
	}
	return out, nil
}

// getResults answers GET /api/v1/events/{id}/results (JSON) and
// /results.csv: one CSV row per ballot, the verdict's numbers in columns.
func (s *Server) getResults(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	res, err := s.results(c.Request().Context(), e)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-cache")
	if !strings.HasSuffix(c.Path(), ".csv") {
		return c.JSON(http.StatusOK, res)
	}
	lang := c.QueryParam("lang")
	if !slices.Contains(s.langs, lang) {
		lang = "en"
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"ballot", "item", "title", "kind", "secret", "state", "quorum_rule", "quorum_members", "quorum_counted",
		"quorum_needed", "majority", "abstentions", "papers", "yes", "no", "abstain", "cast", "outcome", "elected", "checks"})
	for _, r := range res.Ballots {
		b := r.Ballot
		row := []string{b.ID, b.Item, csvSafe(b.Title.Get(lang)), string(b.Kind), strconv.FormatBool(b.Secret), string(b.State),
			string(b.Rules.Quorum.Rule), "", "", "", string(b.Rules.Majority), string(b.Rules.Abstentions), "", "", "", "", "", "", "", ""}
		if v := b.Verdict; v != nil {
			n := strconv.Itoa
			row[7], row[8], row[9] = n(v.Quorum.Members), n(v.Quorum.Counted), n(v.Quorum.Needed)
			row[12], row[13], row[14], row[15], row[16] = n(v.Tally.Papers), n(v.Tally.Yes), n(v.Tally.No), n(v.Tally.Abstain), n(v.Tally.Cast)
			row[17], row[18] = string(v.Outcome), strings.Join(v.Elected, " ")
			var checks []string
			for _, ch := range v.Checks {
				checks = append(checks, fmt.Sprintf("%d×%s=%d %s %d×%s=%d", ch.Left.Factor, ch.Left.Of, ch.Left.Product(), ch.Op, ch.Right.Factor, ch.Right.Of, ch.Right.Product()))
			}
			row[19] = strings.Join(checks, "; ")
		}
		_ = w.Write(row)
	}
	w.Flush()
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+e.ID+`-results.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// verifyReceipt answers GET /api/v1/events/{id}/ballots/{ballot}/receipts/{code}:
// the paper with that receipt in a closed secret ballot, or 404
// forged_receipt.
func (s *Server) verifyReceipt(c echo.Context) error {
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	if s.ballots == nil {
		return errNotFound
	}
	ctx := c.Request().Context()
	b, err := s.ballots.Get(ctx, c.Param("ballot"))
	if errors.Is(err, ballot.ErrNotFound) || err == nil && b.Event != e.ID {
		return errNotFound
	}
	if err != nil {
		return err
	}
	p, err := s.ballots.Verify(ctx, b.ID, c.Param("code"))
	if errors.Is(err, ballot.ErrForgedReceipt) {
		return &apiError{Status: http.StatusNotFound, Code: "forged_receipt", Message: "no paper of this ballot has this receipt"}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ballot": b.ID, "paper": p})
}

// withAssembly adds the assembly's record to the OpenAPI document.
func withAssembly(doc obj) obj {
	id := param("id", "path", "event id", true)
	paths := doc["paths"].(obj)
	results := obj{"type": "object", "properties": obj{"event": obj{"type": "string"}, "ballots": obj{"type": "array", "items": obj{"type": "object",
		"description": "a ballot (definition, rules, state, verdict with its arithmetic), its voters, and its papers (secret: receipt and choice) or votes (named: institution, via, choice)",
		"properties": obj{"ballot": obj{"type": "object"}, "voters": obj{"type": "array", "items": obj{"type": "string"}},
			"papers": obj{"type": "array", "items": obj{"type": "object"}}, "votes": obj{"type": "array", "items": obj{"type": "object"}}}}}}}
	paths["/events/{id}/results"] = obj{"parameters": []any{id},
		"get": obj{"summary": "the general assembly's record: every ballot opened, with rule, turnout and verdict",
			"responses": obj{"200": jsonResp("the record", results), "404": errResp("no such event")}}}
	paths["/events/{id}/results.csv"] = obj{"parameters": []any{id, param("lang", "query", "language of the titles (default en)", false)},
		"get": obj{"summary": "the record as CSV (RFC 4180), one row per ballot",
			"responses": obj{"200": obj{"description": "CSV", "content": obj{"text/csv": obj{"schema": obj{"type": "string"}}}}, "404": errResp("no such event")}}}
	paths["/events/{id}/ballots/{ballot}/receipts/{code}"] = obj{
		"parameters": []any{id, param("ballot", "path", "ballot id", true), param("code", "path", "the receipt code a voter received", true)},
		"get": obj{"summary": "check a receipt after the close: the paper that has it",
			"responses": obj{"200": jsonResp("the paper", obj{"type": "object"}), "404": errResp("no such ballot, or forged_receipt"), "409": errResp("ballot_not_closed")}}}
	return doc
}

// resultsView is the results page of an assembly: printable, every ballot
// opened, its rules, turnout and verdict with the arithmetic.
type resultsView struct {
	Event   eventView
	JSON    string
	CSV     string
	Ballots []resultBallot
}

type resultBallot struct {
	ID, Title, State, Rules, Turnout string
	Outcome, Tally                   string
	Checks                           []string
	Secret                           bool
	Voters                           []string
	Papers                           [][2]string // receipt, choice
	Votes                            [][2]string // institution, choice
}

// choiceText renders a choice in the page language.
func choiceText(p *page, c ballot.Choice) string {
	if len(c.Candidates) > 0 {
		return strings.Join(c.Candidates, ", ")
	}
	return p.T(assemblyKey("option", string(c.Option)))
}

// rulesText renders a ballot's rules in the page language.
func rulesText(p *page, b ballot.Ballot) string {
	r := b.Rules
	parts := []string{p.T("js.assembly.rule.quorum_majority")}
	switch r.Quorum.Rule {
	case ballot.QuorumNumber:
		parts[0] = p.Tf("js.assembly.rule.quorum_number", "n", r.Quorum.Number)
	case ballot.QuorumNone:
		parts[0] = p.T("js.assembly.rule.quorum_none")
	}
	if r.Quorum.Represented {
		parts = append(parts, p.T("js.assembly.rule.represented"))
	}
	if b.Kind == ballot.KindMotion {
		parts = append(parts, p.T(assemblyKey("majority", string(r.Majority))))
	} else {
		parts = append(parts, p.Tf("js.assembly.rule.seats", "k", b.Seats))
	}
	parts = append(parts, p.T(assemblyKey("abstentions", string(r.Abstentions))))
	if b.Secret {
		parts = append(parts, p.T("js.assembly.secret"))
	} else {
		parts = append(parts, p.T("js.assembly.named"))
	}
	return strings.Join(parts, " · ")
}

// resultsPage answers GET /events/{id}/results: the assembly's record, for
// whoever may see the event.
func (s *Server) resultsPage(c echo.Context) error {
	p, e, err := s.publicEventPage(c)
	if err != nil {
		return err
	}
	res, err := s.results(c.Request().Context(), e)
	if err != nil {
		return err
	}
	v := &resultsView{Event: s.eventView(p, e, nil), JSON: "/api/v1/events/" + e.ID + "/results", CSV: "/api/v1/events/" + e.ID + "/results.csv?lang=" + p.lang}
	for _, r := range res.Ballots {
		b := r.Ballot
		rb := resultBallot{ID: b.ID, Title: b.Title.Get(p.lang), State: p.T(assemblyKey("state", string(b.State))), Rules: rulesText(p, b),
			Secret: b.Secret, Voters: r.Voters}
		if vd := b.Verdict; vd != nil {
			rb.Outcome = p.T(assemblyKey("outcome", string(vd.Outcome)))
			rb.Turnout = p.Tf("js.assembly.turnout", "voted", vd.Tally.Papers, "eligible", vd.Quorum.Members)
			t := vd.Tally
			rb.Tally = p.Tf("js.assembly.tally", "yes", t.Yes, "no", t.No, "abstain", t.Abstain, "cast", t.Cast, "papers", t.Papers)
			for _, ch := range vd.Checks {
				op, holds := "≥", p.T("js.assembly.fails")
				if ch.Op == ">" {
					op = ">"
				}
				if ch.Holds {
					holds = p.T("js.assembly.holds")
				}
				rb.Checks = append(rb.Checks, fmt.Sprintf("%d × %s (%d) = %d %s %d × %s (%d) = %d — %s",
					ch.Left.Factor, termName(p, ch.Left.Of), ch.Left.Value, ch.Left.Product(), op,
					ch.Right.Factor, termName(p, ch.Right.Of), ch.Right.Value, ch.Right.Product(), holds))
			}
			rb.Checks = append(rb.Checks, p.Tf("js.assembly.quorum", "counted", vd.Quorum.Counted, "needed", vd.Quorum.Needed, "members", vd.Quorum.Members))
		}
		for _, pp := range r.Papers {
			rb.Papers = append(rb.Papers, [2]string{pp.Receipt, choiceText(p, pp.Choice)})
		}
		for _, vt := range r.Votes {
			rb.Votes = append(rb.Votes, [2]string{vt.Institution, choiceText(p, vt.Choice)})
		}
		v.Ballots = append(v.Ballots, rb)
	}
	p.Title = p.T("results.title")
	p.Results = v
	return s.render(c, http.StatusOK, "results", p)
}

func termName(p *page, of string) string {
	if of == "" {
		return "1"
	}
	return p.T(assemblyKey("term", of))
}

// assemblyKey names the catalog message of a domain value, e.g. the
// outcome "adopted": js.assembly.outcome.adopted (the session script shows
// the same messages).
func assemblyKey(kind, value string) string { return "js.assembly." + kind + "." + value }
