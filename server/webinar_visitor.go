package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/majlis/majlis/agenda"
)

// Visitors of a public webinar (issue 16): whoever joins by its open link,
// without an invitation or a registration, is one person across reconnects
// in the same browser, so that they vote a question up and answer a poll
// once. Their identity is a cookie scoped to the webinar's room: a random
// ID (nothing personal) and an HMAC-SHA256 of it and the event under the
// server secret, so that nobody makes one up or carries one to another
// event. HttpOnly (no script reads it), SameSite=Strict, Secure behind
// https, and gone a day after the webinar ends.

// visitorCookie names the cookie; its path is the room's, so each webinar
// has its own.
const visitorCookie = "majlis_visitor"

// visitorIDBytes is the random part of a visitor's identity.
const visitorIDBytes = 16

// visitorMAC signs visitor id for event e.
func (s *Server) visitorMAC(e agenda.Event, id string) []byte {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("majlis-visitor\x00" + e.ID + "\x00" + id))
	return m.Sum(nil)
}

// visitorSubject returns the room subject of an anonymous visitor of
// webinar e: the one their cookie names when it is genuine, else a new
// one, with the header that sets its cookie (in the upgrade's answer).
func (s *Server) visitorSubject(r *http.Request, e agenda.Event) (string, http.Header) {
	if c, err := r.Cookie(visitorCookie); err == nil {
		id, macText, ok := strings.Cut(c.Value, ".")
		mac, err := base64.RawURLEncoding.DecodeString(macText)
		if ok && err == nil && len(id) == base64.RawURLEncoding.EncodedLen(visitorIDBytes) && hmac.Equal(mac, s.visitorMAC(e, id)) {
			return "visitor:" + id, nil
		}
	}
	raw := make([]byte, visitorIDBytes)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	id := base64.RawURLEncoding.EncodeToString(raw)
	expires := e.End.Add(24 * time.Hour)
	if now := s.cfg.Now(); expires.Before(now.Add(time.Hour)) {
		expires = now.Add(time.Hour) // a webinar over already: still one person for an hour
	}
	cookie := &http.Cookie{Name: visitorCookie, Value: id + "." + base64.RawURLEncoding.EncodeToString(s.visitorMAC(e, id)),
		Path: "/ws/rooms/" + e.ID, Expires: expires, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: strings.HasPrefix(s.cfg.BaseURL, "https://")}
	return "visitor:" + id, http.Header{"Set-Cookie": {cookie.String()}}
}
