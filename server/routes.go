package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/majlis/majlis/internal/ratelimit"
)

// routes registers every route of the public listener in one block: the
// API, the pages, the feeds and the room websockets. Handlers live in the
// file of their resource (api.go for events, agendas and series;
// invites.go, sources.go, plan.go, coverage.go, feeds.go, pages.go,
// session.go, signin.go, ws.go). The debug routes are debugRoutes', on their own
// listener.
func (s *Server) routes(e *echo.Echo) {
	get := []string{http.MethodGet, http.MethodHead}
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)

	// The JSON API. Every route here is in the OpenAPI document (a test
	// holds them together). Limited per client address.
	api := e.Group("/api/v1", s.limit("api", apiRule, tooMany("too many requests; slow down")))
	api.GET("/openapi.json", s.openAPI)
	api.GET("/events", s.listEvents)
	api.POST("/events", s.createEvent)
	api.GET("/events/:id", s.getEvent)
	api.PATCH("/events/:id", s.patchEvent)
	api.DELETE("/events/:id", s.deleteEvent)
	api.GET("/events/:id/agenda", s.getAgenda)
	api.PUT("/events/:id/agenda", s.putAgenda)
	api.POST("/events/:id/agenda/items", s.addItem)
	api.PATCH("/events/:id/agenda/items/:item", s.patchItem)
	api.DELETE("/events/:id/agenda/items/:item", s.deleteItem)
	api.GET("/events/:id/clashes", s.getClashes)
	api.GET("/events/:id/coverage", s.coverage)
	api.POST("/events/:id/invites", s.createInvite)
	api.GET("/events/:id/invites", s.listInvites)
	api.DELETE("/events/:id/invites/:invite", s.revokeInvite)
	api.GET("/series", s.listSeries)
	api.GET("/series/:id", s.getSeries)
	api.PUT("/series/:id", s.putSeries)
	api.GET("/slots", s.getSlots)
	api.GET("/sources", s.listSources)
	api.POST("/sources", s.createSource)
	api.GET("/sources/:id", s.getSource)
	api.PATCH("/sources/:id", s.patchSource)
	api.DELETE("/sources/:id", s.deleteSource)
	api.POST("/sources/:id/sync", s.syncSource)
	api.POST("/sources/:id/confirm", s.confirmSource)
	api.GET("/feeds/private", s.privateFeedURL)
	api.GET("/sessions", s.listSessions)
	api.DELETE("/sessions/:id", s.endSession)
	api.GET("/tokens", s.listTokens)
	api.POST("/tokens", s.createToken)
	api.DELETE("/tokens/:id", s.revokeToken)
	api.POST("/organizers/:id/sign-in-link", s.createSignInLink)
	// Agenda releases and the audit log (releases.go, audit.go).
	api.GET("/events/:id/agenda/releases", s.listReleases)
	api.POST("/events/:id/agenda/releases", s.createRelease)
	// Live captions (captions.go): a captioner posts with a caption token;
	// WebVTT and text after the session ({channel} is floor.vtt, fr.txt…).
	api.POST("/events/:id/captions/:channel", s.ingestCaption)
	api.GET("/events/:id/captions/:channel", s.exportCaptions)
	api.POST("/events/:id/caption-tokens", s.createCaptionToken)
	api.GET("/events/:id/caption-tokens", s.listCaptionTokens)
	api.DELETE("/events/:id/caption-tokens/:token", s.revokeCaptionToken)
	// The general assembly (issue 15): the registry of institutions
	// (institutions.go).
	api.GET("/institutions", s.listInstitutions)
	api.POST("/institutions", s.createInstitution)
	api.POST("/institutions/import", s.importInstitutions)
	api.GET("/institutions/:id", s.getInstitution)
	api.PATCH("/institutions/:id", s.patchInstitution)
	api.DELETE("/institutions/:id", s.deleteInstitution)
	// Its record (assembly.go).
	api.GET("/events/:id/results", s.getResults)
	api.GET("/events/:id/results.csv", s.getResults)
	api.GET("/events/:id/ballots/:ballot/receipts/:code", s.verifyReceipt)

	// Pages, rendered for an anonymous viewer in the viewer's language and
	// zone, limited per client address; and their embedded assets.
	page := s.limit("pages", pageRule, tooManyPage)
	e.Match(get, "/", s.homePage, page)
	e.Match(get, "/events/:id", s.eventPage, page)
	e.Match(get, "/events/:id/session", s.sessionPage, page)
	e.Match(get, "/events/:id/booth", s.sessionPage, page)
	e.Match(get, "/slots", s.slotsPage, page)
	e.Match(get, "/events/:id/results", s.resultsPage, page) // a general assembly's record (assembly.go)
	e.Match(get, "/assets/:name", s.serveAsset)

	// The organizer app (signin.go): sign-in with a link or a passkey, the
	// session cookie, its CSRF token (checked in authenticate), sign-in
	// attempts limited in the handlers.
	e.Match(get, "/organizer", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/organizer/") })
	e.Match(get, "/organizer/", s.organizerHome, page)
	e.Match(get, "/organizer/sign-in", s.signInPage, page)
	e.POST("/organizer/sign-in", s.signInWithLink)
	e.POST("/organizer/sign-out", s.signOut)
	e.POST("/organizer/passkeys/enrol/begin", s.enrolBegin)
	e.POST("/organizer/passkeys/enrol/finish", s.enrolFinish)
	e.POST("/organizer/passkeys/login/begin", s.loginBegin)
	e.POST("/organizer/passkeys/login/finish", s.loginFinish)
	e.POST("/organizer/sessions/:id/end", s.endSessionForm)
	e.POST("/organizer/tokens", s.createTokenForm)
	e.POST("/organizer/tokens/:id/revoke", s.revokeTokenForm)
	e.POST("/organizer/sign-in-links", s.signInLinkForm)
	// The audit log and an event's releases and history (audit.go).
	e.Match(get, "/organizer/audit", s.auditPage, page)
	e.Match(get, "/organizer/audit.csv", s.auditCSV, page)
	e.Match(get, "/organizer/events/:id/history", s.historyPage, page)
	e.POST("/organizer/events/:id/history/release", s.releaseForm)

	// The organizer app's events, sources and coverage
	// (organizer_events.go, organizer_sources.go): server-rendered forms
	// posting with the CSRF token, through the API's own paths.
	e.Match(get, "/organizer/events", s.eventsPage, page)
	e.Match(get, "/organizer/events/new", s.newEventPage, page)
	e.POST("/organizer/events", s.createEventForm)
	e.Match(get, "/organizer/events/:id", s.editEventPage, page)
	e.POST("/organizer/events/:id", s.saveEventForm)
	e.Match(get, "/organizer/events/:id/status", s.statusPage, page)
	e.POST("/organizer/events/:id/status", s.setStatusForm)
	e.Match(get, "/organizer/events/:id/preview", s.previewPage, page)
	e.Match(get, "/organizer/events/:id/coverage", s.coveragePage, page)
	e.Match(get, "/organizer/sources", s.sourcesAppPage, page)
	e.POST("/organizer/sources", s.createSourceForm)
	e.Match(get, "/organizer/sources/:id", s.sourceEditPage, page)
	e.POST("/organizer/sources/:id", s.saveSourceForm)
	e.POST("/organizer/sources/:id/pause", s.pauseSourceForm)
	e.POST("/organizer/sources/:id/sync", s.syncSourceForm)
	e.POST("/organizer/sources/:id/confirm", s.confirmSourceForm)

	// An event's agenda builder and people in the organizer app
	// (agenda_builder.go, people.go); their scripts use the API above.
	e.Match(get, "/organizer/events/:id/agenda", s.agendaPage, page)
	e.Match(get, "/organizer/events/:id/people", s.peoplePage, page)
	api.POST("/events/:id/invites/:invite/resend", s.resendInvite)

	// The registry of member institutions in the organizer app
	// (institutions_pages.go): list, form, CSV import with its preview.
	e.Match(get, "/organizer/institutions", s.institutionsPage, page)
	e.Match(get, "/organizer/institutions/new", s.newInstitutionPage, page)
	e.POST("/organizer/institutions", s.createInstitutionForm)
	e.Match(get, "/organizer/institutions/import", s.importPage, page)
	e.POST("/organizer/institutions/import", s.importForm)
	e.Match(get, "/organizer/institutions/:id", s.institutionPage, page)
	e.POST("/organizer/institutions/:id", s.saveInstitutionForm)

	// Webinar registration (registration.go, registration_pages.go): the
	// organizer's API and page, the public form (registrations from one
	// address limited to one a second, 30 at once: an office behind one
	// address registers together), the registrant's
	// personal page behind its token.
	regLimit := s.limit("registrations", registrationRule, tooMany("too many registrations from this address; wait a minute"))
	regBody := regBodyLimited(false)
	api.GET("/events/:id/registration", s.getRegistrationForm)
	api.PUT("/events/:id/registration", s.putRegistrationForm)
	api.GET("/events/:id/registrations", s.listRegistrations)
	api.POST("/events/:id/registrations", s.registerAPI, regLimit, regBody)
	api.GET("/events/:id/registrations/csv", s.exportRegistrations)
	api.POST("/events/:id/registrations/:reg/approve", s.approveRegistration)
	api.POST("/events/:id/registrations/:reg/decline", s.declineRegistration)
	api.DELETE("/events/:id/registrations/:reg", s.forgetRegistration)
	e.Match(get, "/events/:id/register", s.registrationPage, page)
	e.POST("/events/:id/register", s.registerForm, page, regLimit, regBodyLimited(true))
	e.Match(get, "/r/:token", s.registrantPage, page)
	e.Match(get, "/r/:token/event.ics", s.registrantICS, page)
	e.POST("/r/:token/cancel", s.cancelRegistration, page)
	e.Match(get, "/organizer/events/:id/registrations", s.registrationsPage, page)
	e.POST("/organizer/events/:id/registration", s.settingsForm)
	e.POST("/organizer/events/:id/registrations/:reg/:action", s.decideForm)

	// Attendance reports (attendance.go): the rooms record, organizers read.
	api.GET("/events/:id/attendance", s.getAttendance)
	api.GET("/events/:id/attendance/csv", s.exportAttendance)
	api.DELETE("/events/:id/attendance/:person", s.forgetAttendanceAPI)
	e.Match(get, "/organizer/events/:id/attendance", s.attendancePage, page)
	e.POST("/organizer/events/:id/attendance/forget", s.forgetAttendanceForm)

	// A webinar's questions and polls (webinar_qa.go): the polls prepared
	// in advance, the report as JSON and CSV, and its organizer tab.
	api.GET("/events/:id/polls", s.getPolls)
	api.PUT("/events/:id/polls", s.putPolls)
	api.GET("/events/:id/qa", s.getQA)
	api.GET("/events/:id/qa/questions.csv", s.questionsCSV)
	api.GET("/events/:id/qa/polls.csv", s.pollsCSV)
	e.Match(get, "/organizer/events/:id/questions", s.questionsPage, page)

	// Calendar feeds (RFC 5545): see feeds.go for what each holds.
	e.Match(get, "/feeds/all.ics", s.serveFeed)
	e.Match(get, "/feeds/regions/:file", s.serveFeed)
	e.Match(get, "/feeds/events/:file", s.serveFeed)
	e.Match(get, "/feeds/private/:file", s.serveFeed)

	// Room websockets (docs/protocol.md). Joins are limited per client
	// address: anonymous joins to public events must not let one address
	// flood a room.
	e.GET("/ws/rooms/:id", s.joinRoom, s.limit("joins", ratelimit.PerSecond(float64(s.cfg.JoinRate), s.cfg.JoinBurst),
		tooMany("too many joins from this address; wait a moment")))
}

// debugRoutes registers the debug listener's routes (DebugHandler).
func (s *Server) debugRoutes(e *echo.Echo) {
	e.GET("/metrics", s.prometheusMetrics())
	e.GET("/debug/metrics", s.metrics)
	e.GET("/debug/pprof/profile", cpuProfile)
	e.GET("/debug/pprof/:name", namedProfile)
}
