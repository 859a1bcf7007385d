package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/majlis/majlis/access"
	"github.com/majlis/majlis/agenda"
)

// LiveID is the ID of the demo webinar that runs now: `majlis serve
// --demo` moves it to the current time at every start, so that a newcomer
// can open its session at once.
const LiveID = "demo-live-webinar"

// OrganizerID is the demo organizer's ID (head office), for whom `serve
// --demo` prints a sign-in link.
const OrganizerID = "org_demo"

// liveLead is how long before now the live webinar starts.
const liveLead = 10 * time.Minute

// LoadLive stores the demo webinar that runs now, with its five-item
// agenda, or moves it to now when it is there (and releases the moved
// agenda): it starts ten minutes before now (on the minute) and lasts 100
// minutes, in the four languages, public and published.
func LoadLive(ctx context.Context, svc *agenda.Service, now time.Time) (agenda.Event, error) {
	start := now.UTC().Truncate(time.Minute).Add(-liveLead)
	e := agenda.Event{ID: LiveID, Kind: agenda.KindWebinar, Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic,
		Status: agenda.StatusPublished, TimeZone: "Europe/Zurich", Languages: all4, Start: start, End: start.Add(100 * time.Minute),
		Title: tx("Live demo: interpretation in the four languages", "Démonstration en direct : l'interprétation dans les quatre langues",
			"Demostración en directo: interpretación en los cuatro idiomas", "عرض مباشر: الترجمة الفورية باللغات الأربع"),
		Description: tx("A demonstration session that is always running: join it as a host, an interpreter or a participant.",
			"Une séance de démonstration toujours en cours : rejoignez-la comme hôte, interprète ou participant.",
			"Una sesión de demostración siempre en curso: únase como anfitrión, intérprete o participante.",
			"جلسة عرض جارية دائمًا: انضم إليها بصفتك مضيفًا أو مترجمًا فوريًا أو مشاركًا."),
		Location: tx("Online", "En ligne", "En línea", "عبر الإنترنت")}
	at := start
	item := func(id string, min int, kind agenda.ItemKind, floor string, t agenda.Text) agenda.Item {
		it := agenda.Item{ID: id, Start: at, Minutes: min, Kind: kind, FloorLanguage: floor, Title: t, Speakers: []agenda.Text{}}
		at = at.Add(time.Duration(min) * time.Minute)
		return it
	}
	items := []agenda.Item{
		item("item-1", 10, agenda.ItemOpening, "en", tx("Welcome and opening", "Accueil et ouverture", "Bienvenida y apertura", "الترحيب والافتتاح")),
		item("item-2", 20, agenda.ItemPresentation, "fr", tx("How interpretation works here", "Comment fonctionne l'interprétation ici", "Cómo funciona aquí la interpretación", "كيف تعمل الترجمة الفورية هنا")),
		item("item-3", 40, agenda.ItemDiscussion, "ar", tx("Discussion", "Discussion", "Debate", "نقاش")),
		item("item-4", 20, agenda.ItemPresentation, "es", tx("Experiences from the regions", "Expériences des régions", "Experiencias de las regiones", "تجارب من المناطق")),
		item("item-5", 10, agenda.ItemClosing, "en", tx("Conclusions and closing", "Conclusions et clôture", "Conclusiones y clausura", "الاستنتاجات والاختتام")),
	}
	st := svc.Store()
	if _, err := st.GetEvent(ctx, LiveID); errors.Is(err, agenda.ErrNotFound) {
		ev, _, err := svc.CreateEvent(ctx, e, items)
		if errors.Is(err, agenda.ErrConflict) {
			// Another instance of a scale-out deployment, starting at
			// the same time, made it.
			return st.GetEvent(ctx, LiveID)
		}
		if err != nil {
			return agenda.Event{}, fmt.Errorf("demo: live webinar: %w", err)
		}
		return ev, nil
	} else if err != nil {
		return agenda.Event{}, err
	}
	// Moved to now: the agenda is emptied first, so that neither the old
	// items nor the new ones fall outside the event between the writes.
	if _, err := svc.PutAgenda(ctx, LiveID, nil, 0); err != nil {
		return agenda.Event{}, fmt.Errorf("demo: live webinar: %w", err)
	}
	ev, err := svc.UpdateEvent(ctx, e, 0)
	if err != nil {
		return agenda.Event{}, fmt.Errorf("demo: live webinar: %w", err)
	}
	if _, err := svc.PutAgenda(ctx, LiveID, items, 0); err != nil {
		return agenda.Event{}, fmt.Errorf("demo: live webinar: %w", err)
	}
	// Released, so that readers see the moved items, not those of the
	// release the first start made (at another minute).
	if _, _, err := svc.Publish(ctx, LiveID, "moved to now", OrganizerID, 0); err != nil {
		return agenda.Event{}, fmt.Errorf("demo: live webinar: %w", err)
	}
	return ev, nil
}

// PeopleStore is what Invite needs from the store.
type PeopleStore interface {
	GetOrganizer(ctx context.Context, id string) (access.Organizer, error)
	CreateOrganizer(ctx context.Context, o access.Organizer) error
	CreateLink(ctx context.Context, l access.Link) error
	CreateInvite(ctx context.Context, inv access.Invite) error
}

// Invitation is one demo invitation with its join token (shown once).
type Invitation struct {
	access.Invite
	Token string
}

// People are the demo's ways in: a sign-in link for the demo organizer
// (the token; server.SignInURL makes the link) and invitations to e as
// host, as two interpreters (the Arabic and the French booth) and as a
// participant (server.InviteURL makes their links).
type People struct {
	SignIn       string
	Host         Invitation
	Interpreters []Invitation
	Participant  Invitation
}

// Invite makes the demo organizer when it is missing, a fresh sign-in link
// for it (15 minutes, single use) and fresh invitations to e.
func Invite(ctx context.Context, st PeopleStore, e agenda.Event, now time.Time) (People, error) {
	o, err := st.GetOrganizer(ctx, OrganizerID)
	if errors.Is(err, access.ErrNotFound) {
		o = access.Organizer{ID: OrganizerID, Name: "Demo organizer", Region: agenda.RegionGlobal, Created: now.UTC()}
		_, o.TokenHash = access.NewToken() // the demo signs in with links only
		if err = st.CreateOrganizer(ctx, o); err != nil {
			// Another instance starting at the same time may have made it.
			if o, err = st.GetOrganizer(ctx, OrganizerID); err != nil {
				return People{}, fmt.Errorf("demo: organizer: %w", err)
			}
		}
	} else if err != nil {
		return People{}, fmt.Errorf("demo: organizer: %w", err)
	}
	if o.Revoked {
		return People{}, fmt.Errorf("demo: the demo organizer %s is revoked", o.ID)
	}
	token, l := access.NewLink(o, "", now)
	if err := st.CreateLink(ctx, l); err != nil {
		return People{}, fmt.Errorf("demo: sign-in link: %w", err)
	}
	invite := func(role, name, booth string, langs ...string) (Invitation, error) {
		token, hash := access.NewInviteToken()
		inv := access.Invite{ID: agenda.NewID("inv"), Event: e.ID, EventCreated: e.Created, Role: role, Name: name,
			Languages: langs, Booth: booth, By: o.ID, Created: now.UTC(), TokenHash: hash}
		if err := st.CreateInvite(ctx, inv); err != nil {
			return Invitation{}, fmt.Errorf("demo: invitation: %w", err)
		}
		return Invitation{Invite: inv, Token: token}, nil
	}
	p := People{SignIn: token}
	if p.Host, err = invite("host", "Demo host", ""); err != nil {
		return People{}, err
	}
	for _, x := range []struct {
		name, booth string
		inputs      []string
	}{{"Demo interpreter (Arabic booth)", "ar", []string{"en", "fr"}}, {"Demo interpreter (French booth)", "fr", []string{"en", "es", "ar"}}} {
		inv, err := invite("interpreter", x.name, x.booth, x.inputs...)
		if err != nil {
			return People{}, err
		}
		p.Interpreters = append(p.Interpreters, inv)
	}
	if p.Participant, err = invite("participant", "Demo participant", ""); err != nil {
		return People{}, err
	}
	return p, nil
}
