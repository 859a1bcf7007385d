package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/audit"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/poll"
	"github.com/majlis/majlis/realtime"
)

// A webinar's questions and polls (issue 16, items 5 to 7): the polls an
// organizer prepares before the webinar (GET/PUT /api/v1/events/{id}/polls,
// versioned with ETag and If-Match), and the report of what the room
// held — questions with their votes and answers, polls with their results
// — as JSON, CSV and the organizer app's questions tab. The room runs the
// questions and polls themselves (realtime/questions.go, polls.go).

// pollStore returns the store of prepared polls.
func (s *Server) pollStore() (poll.Store, error) {
	ps, ok := s.store.(poll.Store)
	if !ok {
		return nil, errNotFound
	}
	return ps, nil
}

// pollsJSON is the body of GET and PUT /api/v1/events/{id}/polls.
type pollsJSON struct {
	Polls []poll.Poll `json:"polls"`
}

func (s *Server) getPolls(c echo.Context) error {
	ps, err := s.pollStore()
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	set, err := ps.PreparedPolls(c.Request().Context(), e.ID)
	if err != nil {
		return pollAPIError(err)
	}
	c.Response().Header().Set(headerETag, etag("pl", set.Version))
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, pollsJSON{Polls: set.Polls})
}

func (s *Server) putPolls(c echo.Context) error {
	ps, err := s.pollStore()
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	v, err := ifMatch(c, "pl")
	if err != nil {
		return err
	}
	var in pollsJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Polls == nil {
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "the request breaks a rule; see fields",
			Fields: map[string]string{"polls": "required (an empty list removes every poll)"}}
	}
	set, err := poll.Set{Event: e.ID, Polls: in.Polls}.Validate()
	if err != nil {
		return pollAPIError(err)
	}
	ctx := c.Request().Context()
	switch h := strings.TrimSpace(c.Request().Header.Get("If-Match")); {
	case h == etag("pl", 0):
		v = 0 // none stored yet: the ETag GET gave (ifMatch reads versions from 1)
	case h == "*":
		cur, err := ps.PreparedPolls(ctx, e.ID)
		if err != nil {
			return pollAPIError(err)
		}
		v = cur.Version
	case v < 0:
		return pollAPIError(poll.ErrConflict)
	}
	out, err := ps.PutPreparedPolls(ctx, set, v)
	if err != nil {
		return pollAPIError(err)
	}
	s.audit(c, audit.Entry{Action: audit.EventChanged, Event: audit.RefTo(e), Fields: []string{"polls"}})
	c.Response().Header().Set(headerETag, etag("pl", out.Version))
	return c.JSON(http.StatusOK, pollsJSON{Polls: out.Polls})
}

// pollAPIError maps the poll package's errors to answers.
func pollAPIError(err error) error {
	var ve *poll.ValidationError
	switch {
	case errors.As(err, &ve):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: "the request breaks a rule; see fields", Fields: ve.Fields}
	case errors.Is(err, poll.ErrConflict):
		return &apiError{Status: http.StatusPreconditionFailed, Code: "precondition_failed", Message: "the polls changed since you read them; fetch them again and retry"}
	case errors.Is(err, poll.ErrUnavailable):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the store is not reachable; nothing was changed that you can rely on — retry in a few seconds"}
	}
	return err
}

// qaReport reads the report of e's room.
func (s *Server) qaReport(c echo.Context, e agenda.Event) (realtime.Report, error) {
	if s.rooms == nil {
		return realtime.Report{Questions: []realtime.Question{}, Polls: []realtime.RoomPoll{}}, nil
	}
	return s.rooms.QA(c.Request().Context(), e.ID)
}

// getQA answers GET /api/v1/events/{id}/qa: every question (held and
// dismissed ones too) and every poll with its results.
func (s *Server) getQA(c echo.Context) error {
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	rep, err := s.qaReport(c, e)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, rep)
}

// qaCSVLang reads ?lang= of a CSV export (default en).
func (s *Server) qaCSVLang(c echo.Context) (string, error) {
	for name := range c.QueryParams() {
		if name != "lang" {
			return "", badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: lang)", clip(name)))
		}
	}
	lang := c.QueryParam("lang")
	if lang == "" {
		return "en", nil
	}
	if !slices.Contains(s.langs, lang) {
		return "", badRequest("invalid", "lang", "must be one of "+strings.Join(s.langs, ", "))
	}
	return lang, nil
}

// questionsCSV answers GET /api/v1/events/{id}/qa/questions.csv: one row
// per question, most votes first.
func (s *Server) questionsCSV(c echo.Context) error {
	return s.qaExport(c, "questions", func(w *csv.Writer, rep realtime.Report, _ string) {
		_ = w.Write([]string{"asked", "question", "asker", "status", "votes", "answer", "answered_live", "answered_by"})
		for _, q := range sortedQuestions(rep.Questions) {
			_ = w.Write([]string{q.Asked.UTC().Format(time.RFC3339), usertext.CSVCell(q.Text), usertext.CSVCell(q.Name), string(q.Status),
				strconv.Itoa(q.Votes), usertext.CSVCell(q.Answer), strconv.FormatBool(q.Live), usertext.CSVCell(q.AnsweredBy)})
		}
	})
}

// pollsCSV answers GET /api/v1/events/{id}/qa/polls.csv?lang=: one row
// per option of every poll, texts in lang (or another language the poll
// has).
func (s *Server) pollsCSV(c echo.Context) error {
	return s.qaExport(c, "polls", func(w *csv.Writer, rep realtime.Report, lang string) {
		_ = w.Write([]string{"poll", "question", "state", "multiple", "answers", "option", "count"})
		for _, p := range rep.Polls {
			q, _ := p.Question.In(lang)
			answers, counts := 0, make([]int, len(p.Options))
			if p.Results != nil {
				answers = p.Results.Answers
				copy(counts, p.Results.Counts)
			}
			for i, o := range p.Options {
				text, _ := o.In(lang)
				_ = w.Write([]string{p.ID, usertext.CSVCell(q), string(p.State), strconv.FormatBool(p.Multiple), strconv.Itoa(answers),
					usertext.CSVCell(text), strconv.Itoa(counts[i])})
			}
		}
	})
}

// qaExport answers one CSV export of the report: ?lang= (default en),
// the event the caller may edit, rows written by rows.
func (s *Server) qaExport(c echo.Context, what string, rows func(w *csv.Writer, rep realtime.Report, lang string)) error {
	lang, err := s.qaCSVLang(c)
	if err != nil {
		return err
	}
	e, err := s.editableEvent(c)
	if err != nil {
		return err
	}
	rep, err := s.qaReport(c, e)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rows(w, rep, lang)
	w.Flush()
	return s.qaCSV(c, e, what, b.Bytes())
}

func (s *Server) qaCSV(c echo.Context, e agenda.Event, what string, body []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-store")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-%s.csv"`, url.PathEscape(e.ID), what))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", body)
}

// sortedQuestions orders questions by votes, most first, then by when
// they were asked.
func sortedQuestions(qs []realtime.Question) []realtime.Question {
	out := slices.Clone(qs)
	slices.SortStableFunc(out, func(a, b realtime.Question) int {
		if a.Votes != b.Votes {
			return b.Votes - a.Votes
		}
		return a.Asked.Compare(b.Asked)
	})
	return out
}

// qaView is the organizer app's questions tab.
type qaView struct {
	orgEvent
	Questions []qaQuestionRow
	Polls     []qaPollRow
	// QuestionsCSV and PollsCSV are the exports, in the page's language.
	QuestionsCSV, PollsCSV string
	// Prepared are the polls prepared for the webinar, as the API keeps
	// them, for the editor (organizer-polls.js), at PreparedVersion.
	Prepared        []poll.Poll
	PreparedVersion int64
	// Languages are the languages of the polls' texts, named in their own.
	Languages []option
}

// qaPollRow is one poll of the questions tab, texts in the page language.
type qaPollRow struct {
	ID, Question, State string
	Multiple            bool
	Answers             int
	Options             []qaOptionRow
}

// qaQuestionRow is one question of the questions tab, its status in the
// page language.
type qaQuestionRow struct {
	realtime.Question
	Status string
}

type qaOptionRow struct {
	Text  string
	Count int
	// Percent is the share of those who answered, rounded.
	Percent int
}

// questionsPage renders GET /organizer/events/{id}/questions.
func (s *Server) questionsPage(c echo.Context) error {
	p, e, oe, err := s.organizerEvent(c)
	if err != nil || p == nil {
		return err
	}
	rep, err := s.qaReport(c, e)
	if err != nil {
		return err
	}
	base := "/api/v1/events/" + url.PathEscape(e.ID) + "/qa/"
	v := &qaView{orgEvent: oe, QuestionsCSV: base + "questions.csv", PollsCSV: base + "polls.csv?lang=" + p.lang, Prepared: []poll.Poll{}}
	if ps, err := s.pollStore(); err == nil {
		set, err := ps.PreparedPolls(c.Request().Context(), e.ID)
		if err != nil {
			return pollAPIError(err)
		}
		v.Prepared, v.PreparedVersion = set.Polls, set.Version
	}
	for _, l := range s.langs {
		v.Languages = append(v.Languages, option{Value: l, Label: s.pages.cats.in(l).T("language.native"), Selected: l == p.lang})
	}
	for _, q := range sortedQuestions(rep.Questions) {
		v.Questions = append(v.Questions, qaQuestionRow{Question: q, Status: map[realtime.QuestionStatus]string{
			realtime.QuestionHeld: p.T("qa.status.held"), realtime.QuestionOpen: p.T("qa.status.open"),
			realtime.QuestionAnswered: p.T("qa.status.answered"), realtime.QuestionDismissed: p.T("qa.status.dismissed")}[q.Status]})
	}
	for _, rp := range rep.Polls {
		row := qaPollRow{ID: rp.ID, Question: p.text(rp.Question).Text, Multiple: rp.Multiple, State: map[realtime.PollState]string{
			realtime.PollDraft: p.T("qa.poll_state.draft"), realtime.PollOpen: p.T("qa.poll_state.open"), realtime.PollClosed: p.T("qa.poll_state.closed")}[rp.State]}
		if rp.Results != nil {
			row.Answers = rp.Results.Answers
		}
		for i, o := range rp.Options {
			opt := qaOptionRow{Text: p.text(o).Text}
			if rp.Results != nil && i < len(rp.Results.Counts) {
				opt.Count = rp.Results.Counts[i]
			}
			if row.Answers > 0 {
				opt.Percent = (100*opt.Count + row.Answers/2) / row.Answers
			}
			row.Options = append(row.Options, opt)
		}
		v.Polls = append(v.Polls, row)
	}
	p.Title = p.Tf("qa.title", "event", oe.Name)
	p.QA = v
	return s.render(c, http.StatusOK, "organizer-questions", p)
}

// withPolls adds the prepared polls and the questions-and-polls report to
// the OpenAPI document.
func withPolls(doc obj) obj {
	id := param("id", "path", "event id", true)
	ifm := param("If-Match", "header", "the ETag last read (\"plN\"); * to overwrite. Missing: 428; stale: 412.", true)
	lang := param("lang", "query", "language of the poll texts (default en)", false)
	sec := []any{obj{"bearer": []any{}}}
	resp := withErrors(obj{"401": errResp("missing or bad token"), "403": errResp("another region's event"),
		"404": errResp("no such event (or hidden)"), "412": errResp("stale If-Match"), "422": errResp("the input breaks a rule; fields name it"),
		"428": errResp("If-Match missing")})
	text := obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "text per language (ar, en, fr, es)"}
	schemas := doc["components"].(obj)["schemas"].(obj)
	schemas["Poll"] = obj{"type": "object", "required": []any{"id", "question", "options"}, "properties": obj{
		"id":       obj{"type": "string", "maxLength": poll.MaxID},
		"question": obj{"allOf": []any{text}, "description": fmt.Sprintf("at most %d characters per language", poll.MaxQuestion)},
		"options": obj{"type": "array", "minItems": poll.MinOptions, "maxItems": poll.MaxOptions,
			"items": obj{"allOf": []any{text}, "description": fmt.Sprintf("at most %d characters per language, in every language of the question", poll.MaxOption)}},
		"multiple": obj{"type": "boolean", "description": "several choices allowed"}}}
	tally := obj{"type": "object", "properties": obj{"answers": obj{"type": "integer"}, "counts": obj{"type": "array", "items": obj{"type": "integer"}}}}
	polls := obj{"type": "object", "properties": obj{"polls": obj{"type": "array", "maxItems": poll.MaxPrepared, "items": ref("Poll")}}}
	paths := doc["paths"].(obj)
	paths["/events/{id}/polls"] = obj{"parameters": []any{id},
		"get": obj{"summary": "the polls prepared for a webinar (organizers who may edit it); ETag \"plN\"", "security": sec, "responses": resp("200", "the polls", polls)},
		"put": obj{"summary": "replace the prepared polls", "security": sec, "parameters": []any{ifm}, "requestBody": jsonBody(polls), "responses": resp("200", "the polls stored; ETag", polls)},
	}
	paths["/events/{id}/qa"] = obj{"parameters": []any{id},
		"get": obj{"summary": "the webinar's questions (with votes and answers; held and dismissed ones too) and polls (with results: final, or live while open)", "security": sec,
			"responses": resp("200", "the report", obj{"type": "object", "properties": obj{
				"questions": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
					"id": obj{"type": "string"}, "text": obj{"type": "string"}, "name": obj{"type": "string", "description": "absent for an anonymous question"},
					"status": obj{"type": "string", "enum": []any{"held", "open", "answered", "dismissed"}}, "votes": obj{"type": "integer"},
					"answer": obj{"type": "string"}, "live": obj{"type": "boolean"}, "answered_by": obj{"type": "string"}, "asked": obj{"type": "string", "format": "date-time"}}}},
				"polls": obj{"type": "array", "items": obj{"allOf": []any{ref("Poll"), obj{"type": "object", "properties": obj{
					"state": obj{"type": "string", "enum": []any{"draft", "open", "closed"}}, "shared": obj{"type": "boolean"},
					"prepared": obj{"type": "string"}, "results": tally}}}}},
			}})},
	}
	paths["/events/{id}/qa/questions.csv"] = obj{"parameters": []any{id},
		"get": obj{"summary": "the questions as CSV, most votes first (asked, question, asker, status, votes, answer, answered_live, answered_by)", "security": sec,
			"responses": obj{"200": obj{"description": "CSV", "content": obj{"text/csv": obj{"schema": obj{"type": "string"}}}}, "404": errResp("no such event")}},
	}
	paths["/events/{id}/qa/polls.csv"] = obj{"parameters": []any{id, lang},
		"get": obj{"summary": "the polls' results as CSV, one row per option (poll, question, state, multiple, answers, option, count)", "security": sec,
			"responses": obj{"200": obj{"description": "CSV", "content": obj{"text/csv": obj{"schema": obj{"type": "string"}}}}, "404": errResp("no such event")}},
	}
	return doc
}
