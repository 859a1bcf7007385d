package calendar

import (
	"time"

	"github.com/majlis/majlis/agenda"
)

// at returns the instant of a wall-clock time in zone.
func at(zone string, y int, m time.Month, d, hh, mm int) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic("calendar test: zone " + zone + ": " + err.Error())
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc).UTC()
}

func tx(en, fr, es, ar string) agenda.Text {
	return agenda.Text{"en": en, "fr": fr, "es": es, "ar": ar}
}

const (
	meetingID      = "am-2021"
	consultationID = "am-2021-hrd-consultation"
	zurich         = "Europe/Zurich"
)

var (
	stamp   = time.Date(2021, time.June, 1, 8, 0, 0, 0, time.UTC)
	updated = time.Date(2021, time.June, 20, 12, 30, 0, 0, time.UTC)
)

// demoFeed mirrors the demo data: the 2021 annual meeting and its side
// event on human rights defenders with its five agenda items.
func demoFeed(lang string) Feed {
	d := func(h, m int) time.Time { return at(zurich, 2021, time.July, 1, h, m) }
	all4 := []string{"ar", "en", "fr", "es"}
	meeting := agenda.Event{ID: meetingID, Kind: agenda.KindAnnualMeeting, Region: agenda.RegionGlobal,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: zurich, Languages: all4,
		Location: agenda.Text{"en": "Online"}, Start: d(9, 0), End: d(18, 30), Created: stamp, Updated: stamp,
		Title: tx("Alliance Annual Meeting 2021", "Réunion annuelle 2021 de l'Alliance", "Reunión anual 2021 de la Alianza", "الاجتماع السنوي للتحالف 2021"),
		Description: tx("The annual meeting of the alliance of national human rights institutions, held online.",
			"La réunion annuelle de l'alliance des institutions nationales des droits de l'homme, tenue en ligne.",
			"La reunión anual de la alianza de instituciones nacionales de derechos humanos, celebrada en línea.",
			"الاجتماع السنوي لتحالف المؤسسات الوطنية لحقوق الإنسان، المنعقد عبر الإنترنت.")}
	side := agenda.Event{ID: consultationID, Kind: agenda.KindSideEvent, Parent: meetingID, Region: agenda.RegionGlobal,
		Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished, TimeZone: zurich, Languages: all4,
		Location: agenda.Text{"en": "Online"}, Start: d(16, 30), End: d(18, 0), Created: stamp, Updated: updated, Sequence: 2,
		Title: tx("Protecting and promoting human rights defenders and civic space: consultation on the Global Action Plan",
			"Protéger et promouvoir les défenseurs des droits humains et l'espace civique : consultation sur le Plan d'action mondial",
			"Proteger y promover a las personas defensoras de derechos humanos y el espacio cívico: consulta sobre el Plan de Acción Mundial",
			"حماية المدافعين عن حقوق الإنسان والفضاء المدني وتعزيزهم: مشاورة بشأن خطة العمل العالمية"),
		Description: tx("Consultation on the draft Global Action Plan on human rights defenders and civic space, with interpretation in Arabic, English, French and Spanish.",
			"Consultation sur le projet de Plan d'action mondial sur les défenseurs des droits humains et l'espace civique, avec interprétation en arabe, anglais, français et espagnol.",
			"Consulta sobre el proyecto de Plan de Acción Mundial sobre personas defensoras de derechos humanos y espacio cívico, con interpretación en árabe, inglés, francés y español.",
			"مشاورة بشأن مشروع خطة العمل العالمية المتعلقة بالمدافعين عن حقوق الإنسان والفضاء المدني، مع ترجمة فورية إلى العربية والإنجليزية والفرنسية والإسبانية.")}
	item := func(id string, start time.Time, min int, kind agenda.ItemKind, t agenda.Text, speakers ...string) agenda.Item {
		sp := make([]agenda.Text, len(speakers))
		for i, s := range speakers {
			sp[i] = agenda.Text{"en": s}
		}
		return agenda.Item{ID: id, Start: start, Minutes: min, Kind: kind, Title: t, Speakers: sp, FloorLanguage: "en"}
	}
	items := []agenda.Item{
		item("welcome", d(16, 30), 15, agenda.ItemOpening, tx("Welcome and opening", "Accueil et ouverture", "Bienvenida y apertura", "الترحيب والافتتاح"),
			"Alliance", "OHCHR", "UNDP", "European Union"),
		item("plan", d(16, 45), 10, agenda.ItemPresentation, tx("Presentation of the draft Global Action Plan", "Présentation du projet de Plan d'action mondial",
			"Presentación del proyecto de Plan de Acción Mundial", "عرض مشروع خطة العمل العالمية"),
			"Former UN Special Rapporteur on the situation of human rights defenders"),
		item("experiences", d(16, 55), 25, agenda.ItemPresentation, tx("Experiences from NHRIs and human rights defenders", "Expériences des INDH et des défenseurs des droits humains",
			"Experiencias de las INDH y de personas defensoras de derechos humanos", "تجارب المؤسسات الوطنية لحقوق الإنسان والمدافعين عن حقوق الإنسان")),
		item("discussion", d(17, 20), 35, agenda.ItemDiscussion, tx("Discussion", "Discussion", "Debate", "نقاش")),
		item("closing", d(17, 55), 5, agenda.ItemClosing, tx("Conclusions and closing", "Conclusions et clôture", "Conclusiones y clausura", "الاستنتاجات والاختتام")),
	}
	return Feed{
		Name:    tx("Alliance events", "Événements de l'Alliance", "Eventos de la Alianza", "فعاليات التحالف"),
		Lang:    lang,
		BaseURL: "https://majlis.example.org",
		Events:  []agenda.Event{side, meeting},
		Agendas: map[string]agenda.Agenda{consultationID: {EventID: consultationID, Items: items}},
		Items:   true,
	}
}
