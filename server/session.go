package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// sessionView is what the session page (listeners' channel picker,
// interpreters' console, hosts' interpretation panel) needs besides the
// event. The page's script (static/assets/session.js) speaks the room
// protocol of docs/protocol.md.
type sessionView struct {
	// Booth is set on /events/{id}/booth: the page opens on the console.
	Booth bool
	// Invited is set when the page was opened with a valid join token;
	// otherwise the page asks for a display name (public events only).
	Invited bool
	// Host is set for a signed-in organizer who may edit the event: the
	// page joins the room with the session cookie (runsSession).
	Host     bool
	Channels []channelOption
	// Strings are the messages the script shows, in the page language.
	Strings map[string]string
}

// channelOption is a listening channel: the floor or a language, with the
// language's name in the page language and in itself.
type channelOption struct {
	Code, Label string
	Native, Dir string // set for languages
}

// sessionPage renders GET /events/{id}/session and /events/{id}/booth. A
// visitor sees published public events, like every page; a valid join
// token (?token=mjj_…) for the event opens its session whatever its
// visibility, since the token already grants the room. The token stays in
// the URL for the script: it is never written into the page.
func (s *Server) sessionPage(c echo.Context) error {
	p, err := s.newPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	e, err := s.pageEvent(c)
	if err != nil {
		return err
	}
	sv := &sessionView{Booth: c.Path() == "/events/:id/booth"}
	if s.runsSession(c, e) {
		// The organizer's session cookie opens the room as host (joinRoom
		// reads the same cookie); no token in the URL.
		sv.Invited, sv.Host = true, true
	} else if token := c.QueryParam("token"); token != "" {
		_, err := access.Admit(ctx, s.store, token, e, s.cfg.Now())
		if registration.IsToken(token) {
			var ae *apiError
			if _, err = s.registrantMember(ctx, token, e); errors.As(err, &ae) {
				err = fmt.Errorf("%w: %w", access.ErrBadInvite, err)
			}
		}
		if err != nil && !errors.Is(err, access.ErrBadInvite) {
			return err
		}
		if err != nil {
			if !pagePrincipal.CanSee(e) {
				return errPageNotFound // a 401 would tell that the hidden event exists
			}
			return &pageError{Status: http.StatusUnauthorized, Title: "error.bad_token.title", Body: "error.bad_token.body"}
		}
		sv.Invited = true
	} else if !pagePrincipal.CanSee(e) {
		return errPageNotFound // the same answer for hidden and missing events
	}
	d := &eventDetail{eventView: s.eventView(p, e, nil), Conference: e.Conference}
	p.Title = d.Title.Text
	a, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil && !errors.Is(err, agenda.ErrNotFound) {
		return err
	}
	a, _ = a.Published()
	for _, it := range a.Items {
		iv := itemView{ID: it.ID, Time: p.clock(it.Start, it.End(), p.loc, e.Start), Title: p.text(it.Title),
			Duration: p.Nf("agenda.minutes", it.Minutes), Vote: it.Kind == agenda.ItemVote}
		if it.FloorLanguage != "" {
			iv.Floor = p.T("lang." + it.FloorLanguage)
		}
		d.Items = append(d.Items, iv)
	}
	p.Event = d
	sv.Channels = append(sv.Channels, channelOption{Code: "floor", Label: p.T("session.floor")})
	for _, l := range e.Languages {
		o := channelOption{Code: l, Label: p.T("lang." + l)}
		if s.pages.cats.has(l) {
			if o.Native = s.pages.cats.in(l).T("language.native"); o.Native == o.Label {
				o.Native = ""
			}
			o.Dir = dir(l)
		}
		sv.Channels = append(sv.Channels, o)
	}
	sv.Strings = sessionStrings(p)
	p.Session = sv
	return s.render(c, http.StatusOK, "session", p)
}

// sessionStrings are the messages session.js shows; {name}-style
// placeholders are filled in by the script.
func sessionStrings(p *page) map[string]string {
	m := map[string]string{
		"connecting":          p.T("session.connecting"),
		"connected":           p.T("session.connected"),
		"reconnecting":        p.T("session.reconnecting"),
		"removed":             p.T("session.removed"),
		"join_failed":         p.T("session.join_failed"),
		"roster":              p.T("session.roster"),
		"raise_hand":          p.T("session.raise_hand"),
		"lower_hand":          p.T("session.lower_hand"),
		"floor_mic_on":        p.T("session.floor_mic_on"),
		"floor_mic_off":       p.T("session.floor_mic_off"),
		"release_floor":       p.T("session.release_floor"),
		"you_have_floor":      p.T("session.you_have_floor"),
		"floor_ended":         p.T("session.floor_ended"),
		"hand_raised":         p.T("host.hand_raised"),
		"drift_on_time":       p.T("session.drift_on_time"),
		"drift_late":          p.T("session.drift_late"),
		"drift_early":         p.T("session.drift_early"),
		"projected_end":       p.T("session.projected_end"),
		"not_started":         p.T("session.not_started"),
		"route_idle":          p.T("session.route_idle"),
		"route_direct":        p.T("session.route_direct"),
		"route_relay":         p.T("session.route_relay"),
		"route_none":          p.T("session.route_none"),
		"audio_off":           p.T("session.audio_off"),
		"audio_unsupported":   p.T("session.audio_unsupported"),
		"you":                 p.T("booth.you"),
		"live":                p.T("booth.live"),
		"passive":             p.T("booth.passive"),
		"you_live":            p.T("booth.you_live"),
		"you_live_muted":      p.T("booth.you_live_muted"),
		"partner_live":        p.T("booth.partner_live"),
		"nobody_live":         p.T("booth.nobody_live"),
		"pending_offer":       p.T("booth.pending_offer"),
		"pending_ask":         p.T("booth.pending_ask"),
		"pending_wait":        p.T("booth.pending_wait"),
		"forced":              p.T("booth.forced"),
		"input_auto":          p.T("booth.input_auto"),
		"input_relay":         p.T("booth.input_relay"),
		"mute":                p.T("booth.mute"),
		"unmute":              p.T("booth.unmute"),
		"muted":               p.T("booth.muted"),
		"mic_ready":           p.T("booth.mic_ready"),
		"mic_denied":          p.T("booth.mic_denied"),
		"mic_unsupported":     p.T("booth.mic_unsupported"),
		"grant":               p.T("host.grant"),
		"release":             p.T("host.release"),
		"speaking":            p.T("host.speaking"),
		"no_hands":            p.T("host.no_hands"),
		"start_item":          p.T("host.start_item"),
		"end_item":            p.T("host.end_item"),
		"off_air":             p.T("host.off_air"),
		"warn_no_interpreter": p.T("host.warn_no_interpreter"),
		"warn_no_input":       p.T("host.warn_no_input"),
		"err_forbidden":       p.T("session.err_forbidden"),
		"err_rate_limited":    p.T("session.err_rate_limited"),
		"err_too_long":        p.T("session.err_too_long"),
		"err_invalid_state":   p.T("session.err_invalid_state"),
		"err_unavailable":     p.T("session.err_unavailable"),
		"err_other":           p.T("session.err_other"),
		"floor":               p.T("session.floor"),
	}
	for _, l := range []string{"ar", "en", "fr", "es"} {
		m["lang."+l] = p.T("lang." + l)
	}
	// Messages of the session's feature scripts (session-*.js) are the
	// catalog's "js." keys, given under their full name.
	for _, k := range p.keysWithPrefix("js.") {
		m[k] = p.T(k)
	}
	return m
}
