package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/internal/usertext"
)

// sessionJSON is a session in GET /api/v1/sessions.
type sessionJSON struct {
	ID        string    `json:"id"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	Expires   time.Time `json:"expires"`
	UserAgent string    `json:"user_agent"`
	// Current marks the session the request was made with.
	Current bool `json:"current"`
}

// tokenJSON is a named API token; Token is set once, when it is made.
type tokenJSON struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used"`
	Token    string     `json:"token,omitempty"`
}

func toTokenJSON(t access.Token) tokenJSON {
	out := tokenJSON{ID: t.ID, Name: t.Name, Created: t.Created}
	if !t.LastUsed.IsZero() {
		lu := t.LastUsed
		out.LastUsed = &lu
	}
	return out
}

// listSessions answers the caller's own sessions.
func (s *Server) listSessions(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	all, err := s.store.ListSessions(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	cur, _ := session(c)
	out := make([]sessionJSON, 0, len(all))
	for _, se := range all {
		out = append(out, sessionJSON{ID: se.ID, Created: se.Created, LastSeen: se.LastSeen, Expires: se.Expires,
			UserAgent: se.UserAgent, Current: se.ID == cur.ID})
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

// endSession ends one of the caller's sessions (404 for anyone else's).
func (s *Server) endSession(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSession(c.Request().Context(), o.ID, c.Param("id")); err != nil {
		return err
	}
	if cur, ok := session(c); ok && cur.ID == c.Param("id") {
		s.clearCookie(c)
	}
	return c.NoContent(http.StatusNoContent)
}

// listTokens answers the caller's named API tokens (never the tokens).
func (s *Server) listTokens(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	all, err := s.store.ListTokens(c.Request().Context(), o.ID)
	if err != nil {
		return err
	}
	out := make([]tokenJSON, 0, len(all))
	for _, t := range all {
		out = append(out, toTokenJSON(t))
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": out})
}

// maxTokens bounds an organizer's named tokens.
const maxTokens = 50

// newToken checks a token name and makes the token.
func (s *Server) newToken(c echo.Context, o access.Organizer, name string) (tokenJSON, error) {
	name = usertext.Normalize(name)
	if name == "" {
		return tokenJSON{}, badRequest("invalid", "name", "a name is required, e.g. the script that will use the token")
	}
	if why := usertext.Problem(name, usertext.Line, access.MaxTokenName); why != "" {
		return tokenJSON{}, badRequest("invalid", "name", why)
	}
	ctx := c.Request().Context()
	all, err := s.store.ListTokens(ctx, o.ID)
	if err != nil {
		return tokenJSON{}, err
	}
	if len(all) >= maxTokens {
		return tokenJSON{}, &apiError{Status: http.StatusConflict, Code: "too_many_tokens", Message: "revoke a token before making another (limit 50)"}
	}
	token, t := access.NewNamedToken(o, name, s.cfg.Now())
	if err := s.store.CreateToken(ctx, t); err != nil {
		return tokenJSON{}, err
	}
	out := toTokenJSON(t)
	out.Token = token
	return out, nil
}

// createToken makes a named API token for the caller; the token is in
// this answer only.
func (s *Server) createToken(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := s.newToken(c, o, in.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// revokeToken revokes one of the caller's tokens (404 for anyone else's).
func (s *Server) revokeToken(c echo.Context) error {
	o, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteToken(c.Request().Context(), o.ID, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// newLink makes a sign-in link to another organizer, for head office.
func (s *Server) newLink(c echo.Context, by access.Organizer, id string) (string, access.Link, access.Organizer, error) {
	if !by.HeadOffice() {
		return "", access.Link{}, access.Organizer{}, &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "only head office makes sign-in links"}
	}
	ctx := c.Request().Context()
	o, err := s.store.GetOrganizer(ctx, id)
	if err != nil {
		return "", access.Link{}, access.Organizer{}, err
	}
	if o.Revoked {
		return "", access.Link{}, access.Organizer{}, &apiError{Status: http.StatusConflict, Code: "revoked", Message: "this organizer is revoked"}
	}
	token, l := access.NewLink(o, by.ID, s.cfg.Now())
	if err := s.store.CreateLink(ctx, l); err != nil {
		return "", access.Link{}, access.Organizer{}, err
	}
	return SignInURL(s.cfg.BaseURL, token), l, o, nil
}

// SignInURL is the page a sign-in link opens.
func SignInURL(baseURL, token string) string {
	return baseURL + "/organizer/sign-in?link=" + token
}

// createSignInLink makes a single-use sign-in link for an organizer
// (head office only).
func (s *Server) createSignInLink(c echo.Context) error {
	by, err := requireOrganizer(c)
	if err != nil {
		return err
	}
	u, l, _, err := s.newLink(c, by, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"url": u, "expires": l.Expires})
}

// organizerView is the organizer app's home page.
type organizerView struct {
	ID, Name, Region string
	CSRF             string
	Sessions         []sessionRow
	Passkeys         []passkeyRow
	Tokens           []tokenRow
	// NewToken is a token just made, shown once.
	NewToken, NewTokenName string
	TokenError             string
	// HeadOffice may make sign-in links for Others.
	HeadOffice bool
	Others     []option
	NewLink    string
	NewLinkFor string
	LinkError  string
}

type sessionRow struct {
	ID, Browser, Created, LastSeen string
	Current                        bool
}

type passkeyRow struct{ Created, LastUsed string }

type tokenRow struct{ ID, Name, Created, LastUsed string }

// signInView is the sign-in page: with a link, enrol a passkey (or
// recover without one); without, sign in with a passkey.
type signInView struct {
	Link, Name string
	// CSRF is set when the browser is already signed in.
	CSRF string
}

// signedIn returns the organizer and session of a page request, or a
// redirect to the sign-in page.
func (s *Server) signedIn(c echo.Context) (access.Organizer, access.Session, bool) {
	se, ok := session(c)
	if !ok {
		return access.Organizer{}, access.Session{}, false
	}
	return *principal(c).Organizer, se, true
}

// organizerHome shows who is signed in, their sessions, passkeys and
// tokens, each revocable.
func (s *Server) organizerHome(c echo.Context) error {
	return s.renderHome(c, http.StatusOK, func(*organizerView, *page) {})
}

func (s *Server) renderHome(c echo.Context, status int, extra func(*organizerView, *page)) error {
	o, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	when := func(t time.Time) string {
		if t.IsZero() {
			return p.T("organizer.never")
		}
		t = t.In(p.loc)
		return p.Tf("date.with_time", "date", p.date(t), "time", p.ltr(t.Format("15:04")))
	}
	v := &organizerView{ID: o.ID, Name: o.Name, Region: p.T("region." + string(o.Region)), CSRF: access.CSRFToken(s.cfg.Secret, se),
		HeadOffice: o.HeadOffice()}
	if o.Region == "" {
		v.Region = p.T("region.global")
	}
	sessions, err := s.store.ListSessions(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, x := range sessions {
		v.Sessions = append(v.Sessions, sessionRow{ID: x.ID, Browser: x.UserAgent, Created: when(x.Created), LastSeen: when(x.LastSeen), Current: x.ID == se.ID})
	}
	keys, err := s.store.ListPasskeys(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		v.Passkeys = append(v.Passkeys, passkeyRow{Created: when(k.Created), LastUsed: when(k.LastUsed)})
	}
	tokens, err := s.store.ListTokens(ctx, o.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		v.Tokens = append(v.Tokens, tokenRow{ID: t.ID, Name: t.Name, Created: when(t.Created), LastUsed: when(t.LastUsed)})
	}
	if v.HeadOffice {
		all, err := s.store.ListOrganizers(ctx)
		if err != nil {
			return err
		}
		for _, x := range all {
			if !x.Revoked {
				v.Others = append(v.Others, option{Value: x.ID, Label: x.Name + " (" + p.T("region."+string(x.Region)) + ")"})
			}
		}
	}
	extra(v, p)
	p.Title = p.T("organizer.title")
	p.Org = v
	return s.render(c, status, "organizer", p)
}

// signInPage is the landing page of sign-in links, and the page to sign
// in with a passkey.
func (s *Server) signInPage(c echo.Context) error {
	v := &signInView{}
	if se, ok := session(c); ok {
		v.CSRF = access.CSRFToken(s.cfg.Secret, se)
	}
	if token := c.QueryParam("link"); token != "" {
		if len(token) > access.MaxLinkToken {
			return linkPage(access.ErrLinkUnknown)
		}
		_, o, err := access.CheckLink(c.Request().Context(), s.store, token, s.cfg.Now())
		if isLinkError(err) {
			return linkPage(err)
		}
		if err != nil {
			return err
		}
		v.Link, v.Name = token, o.Name
	} else if v.CSRF != "" {
		return c.Redirect(http.StatusSeeOther, "/organizer/")
	}
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	p.Title = p.T("signin.title")
	p.SignIn = v
	return s.render(c, http.StatusOK, "signin", p)
}

// Forms of the home page: each answers with the home page again, or a
// redirect to it, so they work without scripts.

func (s *Server) endSessionForm(c echo.Context) error {
	o, se, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	id := c.Param("id")
	if err := s.store.DeleteSession(c.Request().Context(), o.ID, id); err != nil && !errors.Is(err, access.ErrNotFound) {
		return err
	}
	if id == se.ID {
		s.clearCookie(c)
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/")
}

func (s *Server) createTokenForm(c echo.Context) error {
	o, _, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	name := c.FormValue("name")
	out, err := s.newToken(c, o, name)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		return s.renderHome(c, ae.Status, func(v *organizerView, p *page) {
			if ae.Code == "too_many_tokens" {
				v.TokenError = p.T("organizer.tokens.too_many")
			} else {
				v.TokenError = p.T("organizer.tokens.bad_name")
			}
		})
	}
	if err != nil {
		return err
	}
	return s.renderHome(c, http.StatusCreated, func(v *organizerView, _ *page) { v.NewToken, v.NewTokenName = out.Token, out.Name })
}

func (s *Server) revokeTokenForm(c echo.Context) error {
	o, _, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	if err := s.store.DeleteToken(c.Request().Context(), o.ID, c.Param("id")); err != nil && !errors.Is(err, access.ErrNotFound) {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/")
}

func (s *Server) signInLinkForm(c echo.Context) error {
	o, _, ok := s.signedIn(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
	}
	id := c.FormValue("organizer")
	if len(id) > maxParam {
		id = ""
	}
	u, _, target, err := s.newLink(c, o, id)
	var ae *apiError
	if errors.As(err, &ae) || errors.Is(err, access.ErrNotFound) {
		return s.renderHome(c, http.StatusBadRequest, func(v *organizerView, p *page) { v.LinkError = p.T("organizer.links.error") })
	}
	if err != nil {
		return err
	}
	return s.renderHome(c, http.StatusCreated, func(v *organizerView, _ *page) { v.NewLink, v.NewLinkFor = u, target.Name })
}

// withSignIn adds the API of sessions, named tokens and sign-in links to
// the OpenAPI document.
func withSignIn(doc obj) obj {
	id := param("id", "path", "id", true)
	sec := []any{obj{"bearer": []any{}}, obj{"session": []any{}}}
	doc["components"].(obj)["securitySchemes"].(obj)["session"] = obj{"type": "apiKey", "in": "cookie", "name": "__Host-majlis_session",
		"description": "the organizer app's session (majlis_session under plain http); state-changing requests also need X-CSRF-Token"}
	schemas := doc["components"].(obj)["schemas"].(obj)
	schemas["Session"] = obj{"type": "object", "properties": obj{
		"id": obj{"type": "string"}, "created": obj{"type": "string", "format": "date-time"},
		"last_seen": obj{"type": "string", "format": "date-time"}, "expires": obj{"type": "string", "format": "date-time", "description": "the absolute timeout (12 h); 30 idle minutes end it sooner"},
		"user_agent": obj{"type": "string", "description": "browser and system only"}, "current": obj{"type": "boolean"}}}
	schemas["Token"] = obj{"type": "object", "properties": obj{
		"id": obj{"type": "string", "readOnly": true}, "name": obj{"type": "string", "maxLength": access.MaxTokenName},
		"created": obj{"type": "string", "format": "date-time", "readOnly": true}, "last_used": obj{"type": "string", "format": "date-time", "nullable": true, "readOnly": true},
		"token": obj{"type": "string", "readOnly": true, "description": "in the answer to POST only: shown once, never stored"}}}
	paths := doc["paths"].(obj)
	paths["/sessions"] = obj{"get": obj{"summary": "your sessions in the organizer app", "security": sec,
		"responses": obj{"200": jsonResp("sessions", obj{"type": "object", "properties": obj{"sessions": obj{"type": "array", "items": ref("Session")}}}), "401": errResp("not signed in")}}}
	paths["/sessions/{id}"] = obj{"parameters": []any{id}, "delete": obj{"summary": "end one of your sessions, at once on every instance", "security": sec,
		"responses": obj{"204": obj{"description": "ended"}, "401": errResp("not signed in"), "403": errResp("cookie without the CSRF token, or from another site"), "404": errResp("no such session of yours")}}}
	paths["/tokens"] = obj{
		"get": obj{"summary": "your named API tokens", "security": sec,
			"responses": obj{"200": jsonResp("tokens", obj{"type": "object", "properties": obj{"tokens": obj{"type": "array", "items": ref("Token")}}}), "401": errResp("not signed in")}},
		"post": obj{"summary": "make a named API token for a script", "security": sec, "requestBody": jsonBody(ref("Token")),
			"responses": obj{"201": jsonResp("the token, shown once", ref("Token")), "400": errResp("bad name (fields.name)"), "401": errResp("not signed in"),
				"403": errResp("cookie without the CSRF token, or from another site"), "409": errResp("50 tokens already")}},
	}
	paths["/tokens/{id}"] = obj{"parameters": []any{id}, "delete": obj{"summary": "revoke one of your tokens", "security": sec,
		"responses": obj{"204": obj{"description": "revoked"}, "401": errResp("not signed in"), "404": errResp("no such token of yours")}}}
	paths["/organizers/{id}/sign-in-link"] = obj{"parameters": []any{id}, "post": obj{"summary": "a single-use sign-in link (15 minutes) for an organizer: enrols a passkey or recovers access (head office only)",
		"security": sec, "responses": obj{"201": jsonResp("the link", obj{"type": "object", "properties": obj{"url": obj{"type": "string"}, "expires": obj{"type": "string", "format": "date-time"}}}),
			"401": errResp("not signed in"), "403": errResp("not head office"), "404": errResp("no such organizer"), "409": errResp("organizer revoked")}}}
	return doc
}
