// Package demo owns the demonstration data set: the alliance's 2021 annual
// meeting (held online on 1 July 2021) with its General Assembly,
// high-level session and side events, including the consultation on the
// Global Action Plan with its real agenda, plus one webinar per regional
// network scheduled in that network's own time zone.
package demo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/majlis/majlis/agenda"
)

// AnnualMeetingID is the ID of the demo annual meeting; its presence marks
// the demo as loaded.
const AnnualMeetingID = "am-2021"

// ConsultationID is the ID of the 2021 side event on human rights defenders.
const ConsultationID = "am-2021-hrd-consultation"

var all4 = []string{"ar", "en", "fr", "es"}

func at(zone string, y int, m time.Month, d, hh, mm int) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic("demo: zone " + zone + ": " + err.Error())
	}
	return time.Date(y, m, d, hh, mm, 0, 0, loc).UTC()
}

func tx(en, fr, es, ar string) agenda.Text {
	return agenda.Text{"en": en, "fr": fr, "es": es, "ar": ar}
}

// Load stores the demo data unless it is already there. It reports
// whether anything was loaded.
func Load(ctx context.Context, svc *agenda.Service) (bool, error) {
	st := svc.Store()
	if _, err := st.GetEvent(ctx, AnnualMeetingID); err == nil {
		return false, nil
	} else if !errors.Is(err, agenda.ErrNotFound) {
		return false, err
	}
	if _, err := svc.PutSeries(ctx, agenda.Series{
		ID:    "general-assembly",
		Title: tx("General Assembly", "Assemblée générale", "Asamblea General", "الجمعية العامة"),
		StandingItems: []agenda.StandingItem{{
			Title:   tx("Threats and reprisals against institutions", "Menaces et représailles contre les institutions", "Amenazas y represalias contra las instituciones", "التهديدات والأعمال الانتقامية ضد المؤسسات"),
			Minutes: 20,
		}},
	}, 0); err != nil {
		return false, fmt.Errorf("demo: series: %w", err)
	}
	zh := "Europe/Zurich"
	d := func(h, m int) time.Time { return at(zh, 2021, time.July, 1, h, m) }
	type ev struct {
		e     agenda.Event
		items []agenda.Item
	}
	item := func(start time.Time, min int, kind agenda.ItemKind, t agenda.Text, speakers ...agenda.Text) agenda.Item {
		if speakers == nil {
			speakers = []agenda.Text{}
		}
		return agenda.Item{Start: start, Minutes: min, Kind: kind, Title: t, Speakers: speakers, FloorLanguage: "en"}
	}
	base := agenda.Event{Region: agenda.RegionGlobal, Visibility: agenda.VisibilityPublic, Status: agenda.StatusPublished,
		TimeZone: zh, Languages: all4, Location: tx("Online", "En ligne", "En línea", "عبر الإنترنت")}
	with := func(e agenda.Event) agenda.Event {
		out := base
		out.ID, out.Kind, out.Parent, out.Series, out.Title, out.Description, out.Start, out.End =
			e.ID, e.Kind, e.Parent, e.Series, e.Title, e.Description, e.Start, e.End
		if e.TimeZone != "" {
			out.TimeZone, out.Region = e.TimeZone, e.Region
		}
		return out
	}
	events := []ev{
		{e: with(agenda.Event{ID: AnnualMeetingID, Kind: agenda.KindAnnualMeeting, Start: d(9, 0), End: d(18, 30),
			Title: tx("Alliance Annual Meeting 2021", "Réunion annuelle 2021 de l'Alliance", "Reunión anual 2021 de la Alianza", "الاجتماع السنوي للتحالف 2021"),
			Description: tx("The annual meeting of the alliance of national human rights institutions, held online.",
				"La réunion annuelle de l'alliance des institutions nationales des droits de l'homme, tenue en ligne.",
				"La reunión anual de la alianza de instituciones nacionales de derechos humanos, celebrada en línea.",
				"الاجتماع السنوي لتحالف المؤسسات الوطنية لحقوق الإنسان، المنعقد عبر الإنترنت.")})},
		{e: with(agenda.Event{ID: "am-2021-general-assembly", Kind: agenda.KindGeneralAssembly, Parent: AnnualMeetingID, Series: "general-assembly",
			Start: d(11, 0), End: d(13, 0),
			Title: tx("General Assembly 2021", "Assemblée générale 2021", "Asamblea General 2021", "الجمعية العامة 2021"),
			Description: tx("Annual report, adoption of the audited financial report, adoption of the 2021 work plan and budget.",
				"Rapport annuel, adoption du rapport financier audité, adoption du plan de travail et du budget 2021.",
				"Informe anual, aprobación del informe financiero auditado, aprobación del plan de trabajo y del presupuesto de 2021.",
				"التقرير السنوي، واعتماد التقرير المالي المدقق، واعتماد خطة العمل والميزانية لعام 2021.")}),
			items: []agenda.Item{
				item(d(11, 0), 10, agenda.ItemOpening, tx("Opening", "Ouverture", "Apertura", "الافتتاح"), tx("Chair of the alliance", "Présidence de l'alliance", "Presidencia de la alianza", "رئاسة التحالف")),
				// The annual report is presented and then adopted by a vote
				// (demo.GeneralAssemblyBallots' first motion): the item is a vote.
				item(d(11, 10), 30, agenda.ItemVote, tx("Annual report: presentation and adoption", "Rapport annuel : présentation et adoption", "Informe anual: presentación y aprobación", "التقرير السنوي: العرض والاعتماد"), tx("Secretary", "Secrétariat", "Secretaría", "الأمانة")),
				item(d(11, 40), 20, agenda.ItemVote, tx("Adoption of the audited financial report", "Adoption du rapport financier audité", "Aprobación del informe financiero auditado", "اعتماد التقرير المالي المدقق"), tx("Treasurer", "Trésorerie", "Tesorería", "أمين الصندوق")),
				item(d(12, 0), 30, agenda.ItemVote, tx("Adoption of the 2021 work plan and budget", "Adoption du plan de travail et du budget 2021", "Aprobación del plan de trabajo y del presupuesto de 2021", "اعتماد خطة العمل والميزانية لعام 2021")),
			}},
		{e: with(agenda.Event{ID: "am-2021-high-level", Kind: agenda.KindSession, Parent: AnnualMeetingID, Start: d(14, 0), End: d(15, 30),
			Title: tx("High-level session with OHCHR, UNDP and the European Union", "Session de haut niveau avec le HCDH, le PNUD et l'Union européenne",
				"Sesión de alto nivel con el ACNUDH, el PNUD y la Unión Europea", "جلسة رفيعة المستوى مع مفوضية الأمم المتحدة السامية لحقوق الإنسان وبرنامج الأمم المتحدة الإنمائي والاتحاد الأوروبي")})},
		{e: with(agenda.Event{ID: "am-2021-knowledge-exchange", Kind: agenda.KindSideEvent, Parent: AnnualMeetingID, Start: d(9, 30), End: d(10, 45),
			Title: tx("Knowledge exchange across the four regional networks", "Échange de connaissances entre les quatre réseaux régionaux",
				"Intercambio de conocimientos entre las cuatro redes regionales", "تبادل المعارف بين الشبكات الإقليمية الأربع")})},
		{e: with(agenda.Event{ID: "am-2021-business-hr", Kind: agenda.KindSideEvent, Parent: AnnualMeetingID, Start: d(15, 0), End: d(16, 15),
			Title: tx("Business and human rights: implementing the Edinburgh Declaration", "Entreprises et droits de l'homme : mettre en œuvre la Déclaration d'Édimbourg",
				"Empresas y derechos humanos: aplicación de la Declaración de Edimburgo", "الأعمال التجارية وحقوق الإنسان: تنفيذ إعلان إدنبرة")})},
		{e: with(agenda.Event{ID: ConsultationID, Kind: agenda.KindSideEvent, Parent: AnnualMeetingID, Start: d(16, 30), End: d(18, 0),
			Title: tx("Protecting and promoting human rights defenders and civic space: consultation on the Global Action Plan",
				"Protéger et promouvoir les défenseurs des droits humains et l'espace civique : consultation sur le Plan d'action mondial",
				"Proteger y promover a las personas defensoras de derechos humanos y el espacio cívico: consulta sobre el Plan de Acción Mundial",
				"حماية المدافعين عن حقوق الإنسان والفضاء المدني وتعزيزهم: مشاورة بشأن خطة العمل العالمية"),
			Description: tx("Consultation on the draft Global Action Plan on human rights defenders and civic space, with interpretation in Arabic, English, French and Spanish.",
				"Consultation sur le projet de Plan d'action mondial sur les défenseurs des droits humains et l'espace civique, avec interprétation en arabe, anglais, français et espagnol.",
				"Consulta sobre el proyecto de Plan de Acción Mundial sobre personas defensoras de derechos humanos y espacio cívico, con interpretación en árabe, inglés, francés y español.",
				"مشاورة بشأن مشروع خطة العمل العالمية المتعلقة بالمدافعين عن حقوق الإنسان والفضاء المدني، مع ترجمة فورية إلى العربية والإنجليزية والفرنسية والإسبانية.")}),
			items: []agenda.Item{
				item(d(16, 30), 15, agenda.ItemOpening, tx("Welcome and opening", "Accueil et ouverture", "Bienvenida y apertura", "الترحيب والافتتاح"),
					tx("Alliance", "Alliance", "Alianza", "التحالف"), tx("OHCHR", "HCDH", "ACNUDH", "مفوضية الأمم المتحدة السامية لحقوق الإنسان"),
					tx("UNDP", "PNUD", "PNUD", "برنامج الأمم المتحدة الإنمائي"), tx("European Union", "Union européenne", "Unión Europea", "الاتحاد الأوروبي")),
				item(d(16, 45), 10, agenda.ItemPresentation, tx("Presentation of the draft Global Action Plan", "Présentation du projet de Plan d'action mondial",
					"Presentación del proyecto de Plan de Acción Mundial", "عرض مشروع خطة العمل العالمية"),
					tx("Former UN Special Rapporteur on the situation of human rights defenders",
						"Ancien Rapporteur spécial des Nations Unies sur la situation des défenseurs des droits de l'homme",
						"Ex Relator Especial de las Naciones Unidas sobre la situación de los defensores de los derechos humanos",
						"المقرر الخاص السابق للأمم المتحدة المعني بحالة المدافعين عن حقوق الإنسان")),
				item(d(16, 55), 25, agenda.ItemPresentation, tx("Experiences from NHRIs and human rights defenders", "Expériences des INDH et des défenseurs des droits humains",
					"Experiencias de las INDH y de personas defensoras de derechos humanos", "تجارب المؤسسات الوطنية لحقوق الإنسان والمدافعين عن حقوق الإنسان")),
				item(d(17, 20), 35, agenda.ItemDiscussion, tx("Discussion", "Discussion", "Debate", "نقاش")),
				item(d(17, 55), 5, agenda.ItemClosing, tx("Conclusions and closing", "Conclusions et clôture", "Conclusiones y clausura", "الاستنتاجات والاختتام")),
			}},
	}
	webinar := func(id string, r agenda.Region, zone string, start time.Time, t agenda.Text) ev {
		e := with(agenda.Event{ID: id, Kind: agenda.KindWebinar, TimeZone: zone, Region: r, Start: start, End: start.Add(90 * time.Minute), Title: t})
		return ev{e: e}
	}
	events = append(events,
		webinar("nanhri-webinar-civic-space", agenda.RegionAfrica, "Africa/Nairobi", at("Africa/Nairobi", 2027, time.January, 20, 10, 0),
			tx("Webinar: NHRIs and the protection of civic space in Africa", "Webinaire : les INDH et la protection de l'espace civique en Afrique",
				"Seminario web: las INDH y la protección del espacio cívico en África", "ندوة عبر الإنترنت: المؤسسات الوطنية لحقوق الإنسان وحماية الفضاء المدني في أفريقيا")),
		webinar("rindhca-webinar-defenders", agenda.RegionAmericas, "America/Mexico_City", at("America/Mexico_City", 2027, time.February, 10, 9, 0),
			tx("Webinar: ombuds institutions and human rights defenders in the Americas", "Webinaire : les institutions de médiateurs et les défenseurs des droits humains dans les Amériques",
				"Seminario web: defensorías del pueblo y personas defensoras de derechos humanos en las Américas", "ندوة عبر الإنترنت: مؤسسات أمناء المظالم والمدافعون عن حقوق الإنسان في الأمريكتين")),
		webinar("apf-webinar-climate", agenda.RegionAsiaPacific, "Australia/Sydney", at("Australia/Sydney", 2026, time.December, 9, 14, 0),
			tx("Webinar: climate change and human rights in the Pacific", "Webinaire : changement climatique et droits humains dans le Pacifique",
				"Seminario web: cambio climático y derechos humanos en el Pacífico", "ندوة عبر الإنترنت: تغير المناخ وحقوق الإنسان في المحيط الهادئ")),
		webinar("ennhri-webinar-rule-of-law", agenda.RegionEurope, "Europe/Brussels", at("Europe/Brussels", 2027, time.January, 27, 14, 0),
			tx("Webinar: rule of law reporting by NHRIs", "Webinaire : les rapports des INDH sur l'état de droit",
				"Seminario web: informes de las INDH sobre el Estado de derecho", "ندوة عبر الإنترنت: تقارير المؤسسات الوطنية لحقوق الإنسان بشأن سيادة القانون")),
	)
	for _, x := range events {
		for i := range x.items { // stable IDs: every demo install has the same feed UIDs
			x.items[i].ID = "item-" + strconv.Itoa(i+1)
		}
		_, _, err := svc.CreateEvent(ctx, x.e, x.items)
		if errors.Is(err, agenda.ErrConflict) {
			continue // another instance of a scale-out deployment, starting at the same time, made it
		}
		if err != nil {
			return false, fmt.Errorf("demo: event %s: %w", x.e.ID, err)
		}
	}
	return true, nil
}
