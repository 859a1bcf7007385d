package registration

// mailText is one language's mail catalog. Placeholders: {name},
// {event}, {position}. The catalogs of static/i18n are the server's pages';
// mail texts live here, beside the code that fills them.
type mailText struct {
	greeting, when, page, privacy, message, signoff string
	// subject and lead per template.
	subject, lead map[template]string
	// weekdays from Sunday, months from January; dayOne replaces the day
	// number 1 (French writes "1er").
	weekdays [7]string
	months   [12]string
	dayOne   string
	// date lays out a date: {weekday} {day} {month} {year}.
	date string
	// clock formats hours and minutes: "15:04" or French "15 h 04".
	clock string
}

// template names one message of the catalog.
type template string

const (
	tplConfirmApproved template = "confirmation_approved"
	tplConfirmPending  template = "confirmation_pending"
	tplConfirmWaiting  template = "confirmation_waitlisted"
	tplApproval        template = "approval"
	tplDecline         template = "decline"
	tplPromoteApproved template = "promotion_approved"
	tplPromotePending  template = "promotion_pending"
	tplReminderDay     template = "reminder_day"
	tplReminderHour    template = "reminder_hour"
)

var mailTexts = map[string]*mailText{
	"en": {
		greeting: "Dear {name},",
		when:     "When:",
		page:     "Your personal page (your status, the link to join, cancellation, a calendar file):",
		privacy:  "Keep this link to yourself: anyone who has it can join or cancel in your name.",
		message:  "Their message:",
		signoff:  "— majlis",
		subject: map[template]string{
			tplConfirmApproved: "Registration confirmed: {event}",
			tplConfirmPending:  "Registration received: {event}",
			tplConfirmWaiting:  "On the waiting list: {event}",
			tplApproval:        "Registration approved: {event}",
			tplDecline:         "Registration not accepted: {event}",
			tplPromoteApproved: "A place is yours: {event}",
			tplPromotePending:  "Off the waiting list: {event}",
			tplReminderDay:     "Tomorrow: {event}",
			tplReminderHour:    "Starting in one hour: {event}",
		},
		lead: map[template]string{
			tplConfirmApproved: "Your registration for the webinar “{event}” is confirmed.",
			tplConfirmPending:  "We have received your registration for the webinar “{event}”. The organizers review each registration; we will write to you once they have decided.",
			tplConfirmWaiting:  "The webinar “{event}” is full, so you are on the waiting list, in position {position}. If a place becomes free, the list moves up in order of registration and we will write to you.",
			tplApproval:        "The organizers have approved your registration for the webinar “{event}”.",
			tplDecline:         "We are sorry: the organizers could not accept your registration for the webinar “{event}”.",
			tplPromoteApproved: "A place has become free: your registration for the webinar “{event}” is now confirmed.",
			tplPromotePending:  "A place has become free in the webinar “{event}”. Your registration now awaits the organizers’ approval; we will write to you once they have decided.",
			tplReminderDay:     "A reminder: the webinar “{event}” takes place tomorrow.",
			tplReminderHour:    "The webinar “{event}” starts in one hour. Join it from your personal page.",
		},
		weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
		date:     "{weekday} {day} {month} {year}",
		clock:    "15:04",
	},
	"fr": {
		greeting: "Bonjour {name},",
		when:     "Quand\u00a0:",
		page:     "Votre page personnelle (votre statut, le lien pour rejoindre, l’annulation, un fichier de calendrier)\u00a0:",
		privacy:  "Ne partagez pas ce lien\u00a0: toute personne qui le possède peut rejoindre le webinaire ou annuler en votre nom.",
		message:  "Leur message\u00a0:",
		signoff:  "— majlis",
		subject: map[template]string{
			tplConfirmApproved: "Inscription confirmée\u00a0: {event}",
			tplConfirmPending:  "Inscription reçue\u00a0: {event}",
			tplConfirmWaiting:  "Liste d’attente\u00a0: {event}",
			tplApproval:        "Inscription acceptée\u00a0: {event}",
			tplDecline:         "Inscription non retenue\u00a0: {event}",
			tplPromoteApproved: "Une place pour vous\u00a0: {event}",
			tplPromotePending:  "Sortie de la liste d’attente\u00a0: {event}",
			tplReminderDay:     "Demain\u00a0: {event}",
			tplReminderHour:    "Dans une heure\u00a0: {event}",
		},
		lead: map[template]string{
			tplConfirmApproved: "Votre inscription au webinaire «\u00a0{event}\u00a0» est confirmée.",
			tplConfirmPending:  "Nous avons bien reçu votre inscription au webinaire «\u00a0{event}\u00a0». Les organisateurs examinent chaque inscription\u00a0; nous vous écrirons dès qu’ils auront décidé.",
			tplConfirmWaiting:  "Le webinaire «\u00a0{event}\u00a0» est complet\u00a0: vous êtes sur la liste d’attente, en position {position}. Si une place se libère, la liste avance dans l’ordre des inscriptions et nous vous écrirons.",
			tplApproval:        "Les organisateurs ont accepté votre inscription au webinaire «\u00a0{event}\u00a0».",
			tplDecline:         "Nous sommes désolés\u00a0: les organisateurs n’ont pas pu retenir votre inscription au webinaire «\u00a0{event}\u00a0».",
			tplPromoteApproved: "Une place s’est libérée\u00a0: votre inscription au webinaire «\u00a0{event}\u00a0» est désormais confirmée.",
			tplPromotePending:  "Une place s’est libérée au webinaire «\u00a0{event}\u00a0». Votre inscription attend maintenant l’accord des organisateurs\u00a0; nous vous écrirons dès qu’ils auront décidé.",
			tplReminderDay:     "Petit rappel\u00a0: le webinaire «\u00a0{event}\u00a0» a lieu demain.",
			tplReminderHour:    "Le webinaire «\u00a0{event}\u00a0» commence dans une heure. Rejoignez-le depuis votre page personnelle.",
		},
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		dayOne:   "1er",
		date:     "{weekday} {day} {month} {year}",
		clock:    "15 h 04",
	},
	"es": {
		greeting: "Hola, {name}:",
		when:     "Cuándo:",
		page:     "Su página personal (su estado, el enlace para unirse, la cancelación, un archivo de calendario):",
		privacy:  "No comparta este enlace: cualquier persona que lo tenga puede unirse o cancelar en su nombre.",
		message:  "Su mensaje:",
		signoff:  "— majlis",
		subject: map[template]string{
			tplConfirmApproved: "Inscripción confirmada: {event}",
			tplConfirmPending:  "Inscripción recibida: {event}",
			tplConfirmWaiting:  "En lista de espera: {event}",
			tplApproval:        "Inscripción aprobada: {event}",
			tplDecline:         "Inscripción no aceptada: {event}",
			tplPromoteApproved: "Tiene una plaza: {event}",
			tplPromotePending:  "Fuera de la lista de espera: {event}",
			tplReminderDay:     "Mañana: {event}",
			tplReminderHour:    "Dentro de una hora: {event}",
		},
		lead: map[template]string{
			tplConfirmApproved: "Su inscripción en el seminario web «{event}» está confirmada.",
			tplConfirmPending:  "Hemos recibido su inscripción en el seminario web «{event}». Los organizadores revisan cada inscripción; le escribiremos en cuanto hayan decidido.",
			tplConfirmWaiting:  "El seminario web «{event}» está completo, así que usted está en la lista de espera, en el puesto {position}. Si se libera una plaza, la lista avanza por orden de inscripción y le escribiremos.",
			tplApproval:        "Los organizadores han aprobado su inscripción en el seminario web «{event}».",
			tplDecline:         "Lo sentimos: los organizadores no han podido aceptar su inscripción en el seminario web «{event}».",
			tplPromoteApproved: "Se ha liberado una plaza: su inscripción en el seminario web «{event}» queda confirmada.",
			tplPromotePending:  "Se ha liberado una plaza en el seminario web «{event}». Su inscripción espera ahora la aprobación de los organizadores; le escribiremos en cuanto hayan decidido.",
			tplReminderDay:     "Le recordamos que el seminario web «{event}» se celebra mañana.",
			tplReminderHour:    "El seminario web «{event}» empieza dentro de una hora. Únase desde su página personal.",
		},
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		months:   [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		date:     "{weekday} {day} de {month} de {year}",
		clock:    "15:04",
	},
	"ar": {
		greeting: "مرحبًا {name}،",
		when:     "الموعد:",
		page:     "صفحتك الشخصية (حالة تسجيلك، ورابط الانضمام، والإلغاء، وملف للتقويم):",
		privacy:  "يُرجى عدم مشاركة هذا الرابط، فكل من يملكه يستطيع الانضمام أو إلغاء التسجيل باسمك.",
		message:  "رسالة المنظمين:",
		signoff:  "— مجلس (majlis)",
		subject: map[template]string{
			tplConfirmApproved: "تأكيد التسجيل: {event}",
			tplConfirmPending:  "استلمنا طلب تسجيلك: {event}",
			tplConfirmWaiting:  "في قائمة الانتظار: {event}",
			tplApproval:        "قبول التسجيل: {event}",
			tplDecline:         "تعذّر قبول التسجيل: {event}",
			tplPromoteApproved: "أصبح لك مقعد: {event}",
			tplPromotePending:  "خرجتَ من قائمة الانتظار: {event}",
			tplReminderDay:     "غدًا: {event}",
			tplReminderHour:    "بعد ساعة: {event}",
		},
		lead: map[template]string{
			tplConfirmApproved: "تم تأكيد تسجيلك في الندوة الإلكترونية «{event}».",
			tplConfirmPending:  "استلمنا طلب تسجيلك في الندوة الإلكترونية «{event}». يراجع المنظمون كل طلب، وسنراسلك حين يتخذون قرارهم.",
			tplConfirmWaiting:  "اكتمل عدد المقاعد في الندوة الإلكترونية «{event}»، لذا أُدرج اسمك في قائمة الانتظار في المرتبة {position}. وإذا شغر مقعد تتقدّم القائمة بحسب ترتيب التسجيل، وسنراسلك.",
			tplApproval:        "وافق المنظمون على تسجيلك في الندوة الإلكترونية «{event}».",
			tplDecline:         "نأسف لإبلاغك بأن المنظمين لم يتمكنوا من قبول تسجيلك في الندوة الإلكترونية «{event}».",
			tplPromoteApproved: "شغر مقعد، فأصبح تسجيلك في الندوة الإلكترونية «{event}» مؤكدًا.",
			tplPromotePending:  "شغر مقعد في الندوة الإلكترونية «{event}»، وينتظر تسجيلك الآن موافقة المنظمين. سنراسلك حين يتخذون قرارهم.",
			tplReminderDay:     "نذكّرك بأن الندوة الإلكترونية «{event}» تُعقد غدًا.",
			tplReminderHour:    "تبدأ الندوة الإلكترونية «{event}» بعد ساعة. يمكنك الانضمام إليها من صفحتك الشخصية.",
		},
		weekdays: [7]string{"الأحد", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت"},
		months:   [12]string{"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
		date:     "{weekday} {day} {month} {year}",
		clock:    "15:04",
	},
}
