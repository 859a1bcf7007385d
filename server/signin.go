package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/internal/ratelimit"
)

// maxCeremonyID bounds the ceremony parameter of a finish request.
const maxCeremonyID = 64

// signIn is what the organizer app's sign-in needs, built once in
// organizerRoutes.
type signIn struct {
	// wa runs the WebAuthn ceremonies; nil when BaseURL has no host name a
	// passkey can be bound to.
	wa *webauthn.WebAuthn
	// cookie is the session cookie's name: __Host-majlis_session under
	// https (the browser then insists on Secure, Path=/ and no Domain),
	// majlis_session under plain http.
	cookie string
	secure bool
	// origin is BaseURL's scheme://host[:port], the only origin that may
	// send state-changing requests with the session cookie.
	origin string
	// byAddress and byOrganizer limit sign-in attempts.
	byAddress, byOrganizer ratelimit.Limiter
}

func (s *Server) newSignIn(baseURL string) *signIn {
	si := &signIn{cookie: "majlis_session", byAddress: s.limiter("sign-in address", signInAddressRule),
		byOrganizer: s.limiter("sign-in organizer", signInOrganizerRule)}
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return si
	}
	si.origin = u.Scheme + "://" + u.Host
	if u.Scheme == "https" {
		si.cookie, si.secure = "__Host-majlis_session", true
	}
	wa, err := webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: "majlis", RPOrigins: []string{si.origin},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: access.CeremonyTTL},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: access.CeremonyTTL},
		},
	})
	if err == nil {
		si.wa = wa
	}
	return si
}

// Context keys of a cookie-authenticated request.
const sessionKey = "majlis.session"

// session returns the session a request was authenticated with, if it
// was by cookie.
func session(c echo.Context) (access.Session, bool) {
	se, ok := c.Get(sessionKey).(access.Session)
	return se, ok
}

// fromSession resolves the session cookie, if any, for authenticate. A
// cookie that no longer opens a session (ended, expired, its organizer
// revoked) is cleared and the request goes on anonymous. A
// state-changing request authenticated by the cookie must come from this
// site and carry the session's CSRF token.
func (s *Server) fromSession(c echo.Context) error {
	if strings.HasPrefix(c.Request().URL.Path, "/assets/") {
		return nil // the same for everyone: no need to ask the store
	}
	ck, err := c.Request().Cookie(s.signin.cookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	se, o, err := access.CheckSession(c.Request().Context(), s.store, ck.Value, s.cfg.Now())
	if errors.Is(err, access.ErrUnauthorized) {
		s.clearCookie(c)
		return nil
	}
	if err != nil {
		return err
	}
	if unsafeMethod(c.Request().Method) {
		if err := s.checkCSRF(c, se); err != nil {
			return err
		}
	}
	c.Set(principalKey, access.Principal{Organizer: &o})
	c.Set(sessionKey, se)
	return nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// errCSRF refuses a state-changing request that a page of another site
// could have sent with the session cookie.
var errCSRF = &apiError{Status: http.StatusForbidden, Code: "csrf",
	Message: "this request needs the session's CSRF token (X-CSRF-Token header or csrf form field) and must come from this site"}

// refuse is err for the API and scripts, the page pe for a browser.
func refuse(c echo.Context, err *apiError, pe *pageError) error {
	if wantsHTML(c) {
		return pe
	}
	return err
}

// crossSite reports whether the browser says the request comes from
// another site: Sec-Fetch-Site other than same-origin or none; from a
// browser without Fetch Metadata, an Origin other than BaseURL's. Our
// pages' Referrer-Policy (no-referrer) makes browsers send "Origin: null"
// with form posts, so Sec-Fetch-Site, when present, decides alone.
func (s *Server) crossSite(c echo.Context) bool {
	h := c.Request().Header
	if v := h.Get("Sec-Fetch-Site"); v != "" {
		return v != "same-origin" && v != "none"
	}
	if v := h.Get(echo.HeaderOrigin); v != "" && v != "null" && v != s.signin.origin {
		return true
	}
	return false
}

// checkCSRF applies the origin check and the synchronizer token.
func (s *Server) checkCSRF(c echo.Context, se access.Session) error {
	got := c.Request().Header.Get("X-CSRF-Token")
	if ct := c.Request().Header.Get(echo.HeaderContentType); got == "" && (strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, echo.MIMEMultipartForm)) {
		got = c.FormValue("csrf")
	}
	if s.crossSite(c) || !access.CheckCSRF(s.cfg.Secret, se, got) {
		return refuse(c, errCSRF, &pageError{Status: http.StatusForbidden, Title: "error.csrf.title", Body: "error.csrf.body"})
	}
	return nil
}

// sameSite refuses sign-in requests sent by another site's page (login
// CSRF: signing a person in as someone else).
func (s *Server) sameSite(c echo.Context) error {
	if s.crossSite(c) {
		return refuse(c, errCSRF, &pageError{Status: http.StatusForbidden, Title: "error.csrf.title", Body: "error.csrf.body"})
	}
	return nil
}

var errTooManySignIns = &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many sign-in attempts; wait a minute"}

// allowSignIn takes a sign-in attempt for the client's address, or, once
// the organizer is known, for the organizer.
func (s *Server) allowSignIn(c echo.Context, organizer string) error {
	l, key := s.signin.byAddress, c.RealIP()
	if organizer != "" {
		l, key = s.signin.byOrganizer, organizer
	}
	switch ok, err := l.Allow(c.Request().Context(), key); {
	case err != nil:
		return err // refused: a sign-in the limit cannot count is not tried
	case !ok:
		c.Response().Header().Set("Retry-After", retryAfter(l.Rule))
		return refuse(c, errTooManySignIns, tooManyPage)
	}
	return nil
}

// startSession signs o in: a new session and its cookie.
func (s *Server) startSession(c echo.Context, o access.Organizer) error {
	token, se := access.NewSession(o, c.Request().UserAgent(), s.cfg.Now())
	if err := s.store.CreateSession(c.Request().Context(), se); err != nil {
		return err
	}
	// SameSite=Lax, not Strict: an organizer following a link to the app
	// from their mail must arrive signed in. Lax still withholds the
	// cookie from other sites' POSTs, and every state change also needs
	// the CSRF token and a same-site origin.
	c.SetCookie(&http.Cookie{Name: s.signin.cookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.signin.secure, SameSite: http.SameSiteLaxMode})
	return nil
}

func (s *Server) clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: s.signin.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.signin.secure, SameSite: http.SameSiteLaxMode})
}

// linkPage is the page for a sign-in link that cannot be used.
func linkPage(err error) *pageError {
	switch {
	case errors.Is(err, access.ErrLinkExpired):
		return &pageError{Status: http.StatusGone, Title: "signin.link_expired.title", Body: "signin.link_expired.body"}
	case errors.Is(err, access.ErrLinkUsed):
		return &pageError{Status: http.StatusGone, Title: "signin.link_used.title", Body: "signin.link_used.body"}
	default:
		return &pageError{Status: http.StatusBadRequest, Title: "signin.link_unknown.title", Body: "signin.link_unknown.body"}
	}
}

// linkAPIError is linkPage for scripts.
func linkAPIError(err error) *apiError {
	switch {
	case errors.Is(err, access.ErrLinkExpired):
		return &apiError{Status: http.StatusGone, Code: "link_expired", Message: "the sign-in link expired; ask for a new one", Fields: map[string]string{"link": "expired"}}
	case errors.Is(err, access.ErrLinkUsed):
		return &apiError{Status: http.StatusGone, Code: "link_used", Message: "the sign-in link was already used; ask for a new one", Fields: map[string]string{"link": "already used"}}
	default:
		return &apiError{Status: http.StatusBadRequest, Code: "link_unknown", Message: "this is not a sign-in link majlis issued", Fields: map[string]string{"link": "unknown"}}
	}
}

// isLinkError reports whether err is a refusal of a sign-in link.
func isLinkError(err error) bool {
	return errors.Is(err, access.ErrLinkUnknown) || errors.Is(err, access.ErrLinkExpired) ||
		errors.Is(err, access.ErrLinkUsed) || errors.Is(err, access.ErrUnauthorized)
}

// signInWithLink uses a sign-in link up without a passkey (recovering
// access on a device that has none) and signs the organizer in.
func (s *Server) signInWithLink(c echo.Context) error {
	if err := s.sameSite(c); err != nil {
		return err
	}
	if err := s.allowSignIn(c, ""); err != nil {
		return err
	}
	token := c.FormValue("link")
	if len(token) > access.MaxLinkToken {
		token = ""
	}
	o, err := access.UseLink(c.Request().Context(), s.store, token, s.cfg.Now())
	if isLinkError(err) {
		return refuse(c, linkAPIError(err), linkPage(err))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, o); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/organizer/")
}

// signOut ends the request's session.
func (s *Server) signOut(c echo.Context) error {
	if se, ok := session(c); ok {
		if err := s.store.DeleteSession(c.Request().Context(), se.Organizer, se.ID); err != nil && !errors.Is(err, access.ErrNotFound) {
			return err
		}
	}
	s.clearCookie(c)
	return c.Redirect(http.StatusSeeOther, "/organizer/sign-in")
}

// ceremony is a WebAuthn ceremony in progress, kept in the store between
// its begin and its finish (any instance may finish it, once).
type ceremony struct {
	// Kind is "enrol" or "login".
	Kind      string `json:"kind"`
	Organizer string `json:"organizer,omitempty"`
	// Link is the hash of the sign-in link an enrolment uses up when it
	// succeeds; empty for a signed-in organizer adding a passkey.
	Link string               `json:"link,omitempty"`
	Data webauthn.SessionData `json:"data"`
}

var (
	errNoPasskeys = &apiError{Status: http.StatusNotFound, Code: "passkeys_unavailable",
		Message: "passkeys need a base URL with a host name (--base-url)"}
	errCeremony = &apiError{Status: http.StatusBadRequest, Code: "ceremony_expired",
		Message: "this passkey request expired or was already answered; start again"}
	errPasskey = &apiError{Status: http.StatusUnauthorized, Code: "passkey_refused",
		Message: "the passkey was not accepted"}
)

// organizerUser is an organizer as the WebAuthn library sees it. Its
// user handle is the organizer's ID: random, and nothing personal.
type organizerUser struct {
	o     access.Organizer
	creds []webauthn.Credential
}

func (u organizerUser) WebAuthnID() []byte                         { return []byte(u.o.ID) }
func (u organizerUser) WebAuthnName() string                       { return u.o.Name }
func (u organizerUser) WebAuthnDisplayName() string                { return u.o.Name }
func (u organizerUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// user loads o's passkeys.
func (s *Server) user(c echo.Context, o access.Organizer) (organizerUser, error) {
	keys, err := s.store.ListPasskeys(c.Request().Context(), o.ID)
	if err != nil {
		return organizerUser{}, err
	}
	u := organizerUser{o: o}
	for _, k := range keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Data, &cred); err != nil {
			return organizerUser{}, fmt.Errorf("server: decode passkey %s: %w", k.ID, err)
		}
		u.creds = append(u.creds, cred)
	}
	return u, nil
}

// keepCeremony stores a ceremony and answers its options.
func (s *Server) keepCeremony(c echo.Context, cer ceremony, options any) error {
	raw, err := json.Marshal(cer)
	if err != nil {
		return err
	}
	id := access.NewID("cer_")
	if err := s.store.PutCeremony(c.Request().Context(), id, raw, s.cfg.Now().Add(access.CeremonyTTL)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ceremony": id, "options": options})
}

// takeCeremony finds the ceremony a finish request names, once.
func (s *Server) takeCeremony(c echo.Context, kind string) (ceremony, error) {
	id := c.QueryParam("ceremony")
	if id == "" || len(id) > maxCeremonyID {
		return ceremony{}, errCeremony
	}
	raw, err := s.store.TakeCeremony(c.Request().Context(), id, s.cfg.Now())
	if errors.Is(err, access.ErrNotFound) {
		return ceremony{}, errCeremony
	}
	if err != nil {
		return ceremony{}, err
	}
	var cer ceremony
	if err := json.Unmarshal(raw, &cer); err != nil || cer.Kind != kind {
		return ceremony{}, errCeremony
	}
	return cer, nil
}

// enrolBegin starts enrolling a passkey, with a sign-in link or by a
// signed-in organizer adding one more.
func (s *Server) enrolBegin(c echo.Context) error {
	if err := s.passkeyStep(c); err != nil {
		return err
	}
	var in struct {
		Link string `json:"link"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cer := ceremony{Kind: "enrol"}
	var o access.Organizer
	switch _, signedIn := session(c); {
	case in.Link != "":
		if len(in.Link) > access.MaxLinkToken {
			return linkAPIError(access.ErrLinkUnknown)
		}
		_, lo, err := access.CheckLink(c.Request().Context(), s.store, in.Link, s.cfg.Now())
		if isLinkError(err) {
			return linkAPIError(err)
		}
		if err != nil {
			return err
		}
		o, cer.Link = lo, access.HashToken(in.Link)
	case signedIn:
		o = *principal(c).Organizer
	default:
		return errMissingToken
	}
	u, err := s.user(c, o)
	if err != nil {
		return err
	}
	creation, data, err := s.signin.wa.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return fmt.Errorf("server: begin passkey enrolment: %w", err)
	}
	cer.Organizer, cer.Data = o.ID, *data
	return s.keepCeremony(c, cer, creation)
}

// passkeyStep is what every step of a passkey ceremony checks first:
// passkeys work here (a base URL with a host name), the request comes from
// this site, and the client address is not over its sign-in attempts.
func (s *Server) passkeyStep(c echo.Context) error {
	if s.signin.wa == nil {
		return errNoPasskeys
	}
	if err := s.sameSite(c); err != nil {
		return err
	}
	return s.allowSignIn(c, "")
}

// enrolFinish checks the new passkey, uses the sign-in link up (once,
// only now that the passkey is good), stores the passkey and signs the
// organizer in.
func (s *Server) enrolFinish(c echo.Context) error {
	if err := s.passkeyStep(c); err != nil {
		return err
	}
	cer, err := s.takeCeremony(c, "enrol")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	o, err := s.store.GetOrganizer(ctx, cer.Organizer)
	if err != nil || o.Revoked {
		return errPasskey
	}
	if err := s.allowSignIn(c, o.ID); err != nil {
		return err
	}
	u, err := s.user(c, o)
	if err != nil {
		return err
	}
	cred, err := s.signin.wa.FinishRegistration(u, cer.Data, c.Request())
	if err != nil {
		return errPasskey
	}
	now := s.cfg.Now()
	if cer.Link != "" {
		if _, err := access.UseLinkHash(ctx, s.store, cer.Link, now); isLinkError(err) {
			return linkAPIError(err)
		} else if err != nil {
			return err
		}
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	key := access.Passkey{ID: base64.RawURLEncoding.EncodeToString(cred.ID), Organizer: o.ID, Created: now, Data: raw}
	if err := s.store.AddPasskey(ctx, key); err != nil {
		return err
	}
	if cer.Link != "" {
		if err := s.startSession(c, o); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"next": "/organizer/"})
}

// loginBegin starts a sign-in with a discoverable passkey: the browser
// offers the organizer's passkeys for this site, no name typed.
func (s *Server) loginBegin(c echo.Context) error {
	if err := s.passkeyStep(c); err != nil {
		return err
	}
	assertion, data, err := s.signin.wa.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return fmt.Errorf("server: begin passkey sign-in: %w", err)
	}
	return s.keepCeremony(c, ceremony{Kind: "login", Data: *data}, assertion)
}

// loginFinish checks the passkey's answer and signs its organizer in.
func (s *Server) loginFinish(c echo.Context) error {
	if err := s.passkeyStep(c); err != nil {
		return err
	}
	cer, err := s.takeCeremony(c, "login")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		key     access.Passkey
		limited error
	)
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		k, err := s.store.PasskeyByID(ctx, base64.RawURLEncoding.EncodeToString(rawID))
		if err != nil {
			return nil, err
		}
		if string(userHandle) != k.Organizer {
			return nil, errPasskey
		}
		if limited = s.allowSignIn(c, k.Organizer); limited != nil {
			return nil, limited
		}
		o, err := s.store.GetOrganizer(ctx, k.Organizer)
		if err != nil || o.Revoked {
			return nil, errPasskey
		}
		key = k
		return s.user(c, o)
	}
	user, cred, err := s.signin.wa.FinishPasskeyLogin(handler, cer.Data, c.Request())
	if limited != nil {
		return limited
	}
	if err != nil {
		return errPasskey
	}
	if cred.Authenticator.CloneWarning {
		// The signature counter went backwards: two copies of one
		// authenticator exist. Refuse, and keep the stored counter.
		s.log.Warn("passkey sign-in refused: signature counter went backwards (cloned authenticator?)", "organizer", key.Organizer)
		return errPasskey
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return err
	}
	key.Data, key.LastUsed = raw, s.cfg.Now()
	if err := s.store.UpdatePasskey(ctx, key); err != nil {
		return err
	}
	if err := s.startSession(c, user.(organizerUser).o); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"next": "/organizer/"})
}
