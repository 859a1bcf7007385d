package calendar

// labels are the few words a feed writes itself, per feed language.
type labels struct {
	lang           string
	agenda         string // heading of the agenda in a description
	interpretation string // prefix of the interpretation languages
	comma          string // list separator
	cancelled      string // prefix of a cancelled event's SUMMARY
	online         string // LOCATION of an event without one
	source         string // prefix of an imported event's source
	languages      map[string]string
}

var allLabels = map[string]labels{
	"en": {agenda: "Agenda", interpretation: "Interpretation: ", comma: ", ", cancelled: "Cancelled: ", online: "Online", source: "Source: ",
		languages: map[string]string{"ar": "Arabic", "en": "English", "fr": "French", "es": "Spanish"}},
	"fr": {agenda: "Ordre du jour", interpretation: "Interprétation : ", comma: ", ", cancelled: "Annulé : ", online: "En ligne", source: "Source : ",
		languages: map[string]string{"ar": "arabe", "en": "anglais", "fr": "français", "es": "espagnol"}},
	"es": {agenda: "Orden del día", interpretation: "Interpretación: ", comma: ", ", cancelled: "Cancelado: ", online: "En línea", source: "Fuente: ",
		languages: map[string]string{"ar": "árabe", "en": "inglés", "fr": "francés", "es": "español"}},
	"ar": {agenda: "جدول الأعمال", interpretation: "الترجمة الفورية: ", comma: "، ", cancelled: "أُلغي: ", online: "عبر الإنترنت", source: "المصدر: ",
		languages: map[string]string{"ar": "العربية", "en": "الإنجليزية", "fr": "الفرنسية", "es": "الإسبانية"}},
}

// labelsFor returns the labels for lang, English for a language we have
// no words in; texts from events still follow lang (agenda.Text.In).
func labelsFor(lang string) labels {
	l, ok := allLabels[lang]
	if !ok {
		l = allLabels["en"]
	}
	l.lang = lang
	return l
}

// language names a language code, or returns the code when unknown.
func (l labels) language(code string) string {
	if name, ok := l.languages[code]; ok {
		return name
	}
	return code
}
