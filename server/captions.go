package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/caption"
	"github.com/majlis/majlis/realtime"
)

// Live captions from outside the room (package caption): a captioner —
// a human (CART) or a speech-recognition service — POSTs plain text to
// /api/v1/events/{id}/captions/{channel}?seq=…&lang=…, as Zoom's
// third-party captioning does, with a caption token an organizer made for
// that event and channel; the caption is stored, then shown in the room.
// After the session, each channel's captions come back as WebVTT and as
// plain text.

// captionTokenInput is the body of POST /api/v1/events/{id}/caption-tokens.
type captionTokenInput struct {
	// Channel is "floor" or one of the event's languages.
	Channel string `json:"channel"`
	// Label says who holds the token; optional.
	Label string `json:"label"`
	// Expires is when the token stops working (RFC 3339); default: in
	// caption.DefaultTokenLifetime.
	Expires string `json:"expires"`
}

// captionTokenJSON is a caption token as the API shows it. Secret and URL
// are set only in the answer to the creation: only the secret's hash is
// kept.
type captionTokenJSON struct {
	ID      string `json:"id"`
	Event   string `json:"event"`
	Channel string `json:"channel"`
	Label   string `json:"label,omitempty"`
	Created string `json:"created"`
	Expires string `json:"expires"`
	Revoked bool   `json:"revoked"`
	Token   string `json:"token,omitempty"`
	URL     string `json:"url,omitempty"`
}

func captionTokenView(t caption.Token) captionTokenJSON {
	return captionTokenJSON{ID: t.ID, Event: t.Event, Channel: t.Channel, Label: t.Label,
		Created: t.Created.UTC().Format(rfc3339), Expires: t.Expires.UTC().Format(rfc3339), Revoked: t.Revoked}
}

// captionsOf returns the caption service, or 404 when the store keeps no
// captions.
func (s *Server) captionsOf() (*caption.Service, error) {
	if s.captions == nil {
		return nil, errNotFound
	}
	return s.captions, nil
}

// captionError maps caption's errors to API answers.
func captionError(err error) error {
	var ve *caption.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return &agenda.ValidationError{Fields: ve.Fields}
	case errors.Is(err, caption.ErrUnauthorized):
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "invalid caption token"}
	case errors.Is(err, caption.ErrSeqOutOfOrder):
		return &apiError{Status: http.StatusConflict, Code: "seq_out_of_order", Message: "seq is lower than one already received from this token",
			Fields: map[string]string{"seq": "lower than one already received from this token"}}
	case errors.Is(err, caption.ErrRateLimited):
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many captions: slow down"}
	case errors.Is(err, caption.ErrTooManyTokens):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "too_many_tokens", Message: "the event has the maximum number of caption tokens",
			Fields: map[string]string{"channel": "the event has the maximum number of caption tokens"}}
	case errors.Is(err, caption.ErrNotFound):
		return errNotFound
	}
	return err
}

// ingestCaption answers POST /api/v1/events/{id}/captions/{channel}: the
// body is the caption (text/plain, UTF-8), the query carries seq, lang
// and speaker (ParseIngest), the caption token comes as a bearer token or
// as ?token=. A repeated seq is answered like the first time and not
// shown twice.
func (s *Server) ingestCaption(c echo.Context) error {
	svc, err := s.captionsOf()
	if err != nil {
		return err
	}
	req := c.Request()
	ctx := req.Context()
	secret, err := caption.SecretFrom(req.Header.Get(echo.HeaderAuthorization), req.URL.Query())
	if err != nil {
		return captionError(err)
	}
	tok, err := svc.Authorize(ctx, secret, c.Param("id"), c.Param("channel"))
	if err != nil {
		return captionError(err)
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, caption.MaxBodyBytes+1))
	if err != nil {
		return badRequest("bad_request", "body", "the body could not be read")
	}
	post, err := caption.ParseIngest(req.URL.Query(), body)
	if err != nil {
		return captionError(err)
	}
	a, err := svc.Ingest(ctx, tok, post)
	if err != nil {
		return captionError(err)
	}
	if !a.Duplicate {
		// Stored: a failure to show it now is logged, not answered (a
		// retry would be a duplicate and never shown).
		if err := s.rooms.PublishCaption(ctx, tok.Event, realtime.Caption{Channel: a.Line.Channel, Lang: a.Line.Lang,
			Speaker: a.Line.Speaker, Text: a.Line.Text}); err != nil {
			s.log.Warn("captions: publish in the room", "event", tok.Event, "err", err)
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, map[string]any{"pos": a.Line.Pos, "seq": a.Line.Seq, "duplicate": a.Duplicate})
}

// exportCaptions answers GET /api/v1/events/{id}/captions/{channel}.vtt
// (WebVTT) and ….txt (plain text): what is kept of one channel's captions,
// timed from the session's start. Organizers who may edit the event get
// them at any time; anyone else only for a published public event.
func (s *Server) exportCaptions(c echo.Context) error {
	svc, err := s.captionsOf()
	if err != nil {
		return err
	}
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	if !principal(c).CanEdit(e) && (e.Visibility != agenda.VisibilityPublic || e.Status != agenda.StatusPublished) {
		return errNotFound
	}
	channel, format, ok := strings.Cut(c.Param("channel"), ".")
	if !ok || (format != "vtt" && format != "txt") {
		return errNotFound
	}
	tr, err := svc.Transcript(c.Request().Context(), e.ID, channel)
	var ve *caption.ValidationError
	if errors.As(err, &ve) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	start := sessionStart(e, tr.Lines)
	var buf bytes.Buffer
	contentType := "text/vtt; charset=utf-8"
	if format == "vtt" {
		err = caption.WriteVTT(&buf, tr.Lines, start, caption.Timing{})
	} else {
		contentType = echo.MIMETextPlainCharsetUTF8
		err = caption.WriteTranscript(&buf, tr.Lines, start)
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `inline; filename="`+e.ID+"-"+channel+"."+format+`"`)
	if principal(c).CanEdit(e) || e.Visibility != agenda.VisibilityPublic {
		h.Set(echo.HeaderCacheControl, "private, no-store")
	} else {
		h.Set(echo.HeaderCacheControl, "public, max-age=60")
	}
	return c.Blob(http.StatusOK, contentType, buf.Bytes())
}

// sessionStart is where caption times count from: the event's scheduled
// start, or its first caption when that came earlier (a session that
// started early keeps every caption on its time line).
func sessionStart(e agenda.Event, lines []caption.Line) time.Time {
	start := e.Start
	for _, l := range lines {
		if l.Received.Before(start) {
			start = l.Received
		}
	}
	return start
}

// captionIngestURL is the address a captioner posts to, with its token.
func (s *Server) captionIngestURL(t caption.Token, secret string) string {
	return s.cfg.BaseURL + "/api/v1/events/" + url.PathEscape(t.Event) + "/captions/" + url.PathEscape(t.Channel) +
		"?token=" + url.QueryEscape(secret)
}

// captionEvent is the caption service and the event an organizer
// manages caption tokens of.
func (s *Server) captionEvent(c echo.Context) (*caption.Service, agenda.Event, error) {
	svc, err := s.captionsOf()
	if err != nil {
		return nil, agenda.Event{}, err
	}
	e, err := s.editableEvent(c)
	return svc, e, err
}

// createCaptionToken answers POST /api/v1/events/{id}/caption-tokens.
func (s *Server) createCaptionToken(c echo.Context) error {
	svc, e, err := s.captionEvent(c)
	if err != nil {
		return err
	}
	var in captionTokenInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Channel != caption.Floor && !slices.Contains(e.Languages, in.Channel) {
		return &agenda.ValidationError{Fields: map[string]string{"channel": "must be floor or one of the event's languages: " + strings.Join(e.Languages, ", ")}}
	}
	var expires time.Time
	if in.Expires != "" {
		if expires, err = time.Parse(time.RFC3339, in.Expires); err != nil || len(in.Expires) > 40 {
			return &agenda.ValidationError{Fields: map[string]string{"expires": "must be an RFC 3339 time, such as 2021-07-02T16:00:00Z"}}
		}
	}
	t, secret, err := svc.CreateToken(c.Request().Context(), e.ID, in.Channel, in.Label, expires)
	if err != nil {
		return captionError(err)
	}
	out := captionTokenView(t)
	out.Token, out.URL = secret, s.captionIngestURL(t, secret)
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusCreated, out)
}

// listCaptionTokens answers GET /api/v1/events/{id}/caption-tokens, never
// with their secrets.
func (s *Server) listCaptionTokens(c echo.Context) error {
	svc, e, err := s.captionEvent(c)
	if err != nil {
		return err
	}
	toks, err := svc.Tokens(c.Request().Context(), e.ID)
	if err != nil {
		return captionError(err)
	}
	out := make([]captionTokenJSON, 0, len(toks))
	for _, t := range toks {
		out = append(out, captionTokenView(t))
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	return c.JSON(http.StatusOK, map[string]any{"event": e.ID, "caption_tokens": out})
}

// revokeCaptionToken answers DELETE
// /api/v1/events/{id}/caption-tokens/{token}: it stops working at once,
// on every instance (each asks the store at every post). Revoking twice
// answers 204 again.
func (s *Server) revokeCaptionToken(c echo.Context) error {
	svc, e, err := s.captionEvent(c)
	if err != nil {
		return err
	}
	id := c.Param("token")
	if len(id) > 64 {
		return errNotFound
	}
	if _, err := svc.RevokeToken(c.Request().Context(), e.ID, id); err != nil {
		return captionError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

// deleteCaptions deletes a removed event's captions and caption tokens,
// so that none serves another event made later under the same ID. A
// failure is logged: the event is gone either way.
func (s *Server) deleteCaptions(c echo.Context, event string) {
	if s.captions == nil {
		return
	}
	if err := s.captions.Delete(c.Request().Context(), event); err != nil {
		s.log.Error("captions: delete the captions of a removed event", "event", event, "err", err)
	}
}

// withCaptions adds the caption routes to the OpenAPI document.
func withCaptions(doc obj) obj {
	id := param("id", "path", "event id", true)
	sec := []any{obj{"bearer": []any{}}}
	schemas := doc["components"].(obj)["schemas"].(obj)
	schemas["CaptionToken"] = obj{"type": "object", "properties": obj{
		"id":      obj{"type": "string", "readOnly": true},
		"event":   obj{"type": "string", "readOnly": true},
		"channel": obj{"type": "string", "description": "floor, or one of the event's languages"},
		"label":   obj{"type": "string", "maxLength": caption.MaxLabelRunes, "description": "who holds it (CART provider, ASR…)"},
		"created": obj{"type": "string", "format": "date-time", "readOnly": true},
		"expires": obj{"type": "string", "format": "date-time", "description": "default: in 7 days; at most 60 days ahead"},
		"revoked": obj{"type": "boolean", "readOnly": true},
		"token":   obj{"type": "string", "readOnly": true, "description": "mjc_…, only in the answer to the creation (only its hash is kept)"},
		"url":     obj{"type": "string", "readOnly": true, "description": "the address to post captions to, with the token; add &seq=…&lang=…"},
	}}
	paths := doc["paths"].(obj)
	paths["/events/{id}/caption-tokens"] = obj{"parameters": []any{id},
		"post": obj{"summary": "make a caption token for one channel of the event (for a captioner)", "security": sec,
			"requestBody": jsonBody(ref("CaptionToken")), "responses": obj{"201": jsonResp("created, with its token and ingest URL", ref("CaptionToken")),
				"401": errResp("missing or bad token"), "404": errResp("no such event (or not yours to edit)"), "422": errResp("the input breaks a rule; fields name it")}},
		"get": obj{"summary": "the event's caption tokens, without their secrets", "security": sec,
			"responses": obj{"200": jsonResp("caption tokens, oldest first", obj{"type": "object", "properties": obj{
				"event": obj{"type": "string"}, "caption_tokens": obj{"type": "array", "items": ref("CaptionToken")}}}),
				"401": errResp("missing or bad token"), "404": errResp("no such event (or not yours to edit)")}},
	}
	paths["/events/{id}/caption-tokens/{token}"] = obj{"parameters": []any{id, param("token", "path", "caption token id (ctk_…)", true)},
		"delete": obj{"summary": "revoke a caption token; it stops working at once", "security": sec,
			"responses": obj{"204": obj{"description": "revoked"}, "401": errResp("missing or bad token"), "404": errResp("no such token")}},
	}
	paths["/events/{id}/captions/{channel}"] = obj{"parameters": []any{id},
		"post": obj{"summary": "post one caption, as Zoom's third-party captioning API: the body is the text",
			"description": "Authorised by a caption token for this event and channel, as a bearer token or ?token=. A repeated seq is answered again and not shown twice; a lower one is 409.",
			"parameters": []any{param("channel", "path", "floor, or one of the event's languages", true),
				param("seq", "query", "sequence number, 0 to 2^53-1, increasing with every caption", true),
				param("lang", "query", "ISO 639-1 language of the caption (en-US is read as en); required on the floor", false),
				param("speaker", "query", "the speaker's name, shown with the caption", false),
				param("token", "query", "the caption token, when not sent as a bearer token", false)},
			"requestBody": obj{"required": true, "content": obj{"text/plain": obj{"schema": obj{"type": "string", "maxLength": caption.MaxTextRunes}}}},
			"responses": obj{"200": jsonResp("stored and shown (or a duplicate)", obj{"type": "object", "properties": obj{
				"pos": obj{"type": "integer"}, "seq": obj{"type": "integer"}, "duplicate": obj{"type": "boolean"}}}),
				"401": errResp("missing or invalid caption token (one answer for every cause)"), "409": errResp("seq lower than one already received"),
				"422": errResp("the input breaks a rule; fields name it"), "429": errResp("too many captions")}},
		"get": obj{"summary": "one channel's captions after the session: WebVTT or plain text",
			"description": "Organizers who may edit the event, at any time; anyone for a published public event. Times count from the session's start.",
			"parameters":  []any{param("channel", "path", "the channel and the format: floor.vtt, fr.vtt, floor.txt…", true)},
			"responses": obj{"200": obj{"description": "the captions", "content": obj{
				"text/vtt":   obj{"schema": obj{"type": "string"}},
				"text/plain": obj{"schema": obj{"type": "string"}}}},
				"404": errResp("no such event, channel or format")}},
	}
	return doc
}

// captionLink links one channel's captions from the event page.
type captionLink struct{ Label, VTT, TXT string }

// captionLinks are the event page's links to the captions of a public
// event that is over: one per channel that has any.
func (s *Server) captionLinks(ctx context.Context, p *page, e agenda.Event, ended bool) []captionLink {
	if s.captions == nil || !ended || e.Visibility != agenda.VisibilityPublic || e.Status != agenda.StatusPublished {
		return nil
	}
	var out []captionLink
	for _, ch := range append([]string{caption.Floor}, e.Languages...) {
		tr, err := s.captions.Transcript(ctx, e.ID, ch)
		if err != nil || len(tr.Lines) == 0 {
			continue
		}
		label := p.T("session.floor")
		if ch != caption.Floor {
			label = p.T("lang." + ch)
		}
		base := "/api/v1/events/" + url.PathEscape(e.ID) + "/captions/" + url.PathEscape(ch)
		out = append(out, captionLink{Label: label, VTT: base + ".vtt", TXT: base + ".txt"})
	}
	return out
}
