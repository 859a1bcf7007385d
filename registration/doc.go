// Package registration owns webinar registration: an event's form
// (questions in the working languages — short text, one choice, several
// choices, a required consent with its text — with a limit on every
// field), automatic or manual approval, a capacity with a first come,
// first served waitlist, a deadline, pseudonyms, and retention; the
// registrations themselves (answers validated against the form, a display
// name, an optional address, the registrant's language, a status with its
// history, a decline message, personal links); the organizer's CSV
// export; and the mails to registrants (composed here in ar/en/fr/es,
// sent through a Mailer the server wires).
//
// It declares the Store it consumes; implementations live in package
// store and pass the conformance suite in registrationtest. It imports
// neither echo nor go-redis; it uses package agenda for Text, Languages
// and the event's times.
//
// # Places and the waitlist
//
// A pending or approved registration holds a place; Form.Capacity places
// exist (0: no limit). Register gives a place (approved, or pending under
// manual approval) while one is free and the waitlist otherwise, in one
// atomic Store step, so that concurrent registrations on several
// instances never exceed the capacity and the waitlist keeps the order in
// which the store received them (Registration.Seq). When a place frees (a
// cancellation, a decline, a forgotten registrant, a larger capacity) the
// store promotes the waitlisted registration with the lowest Seq in the
// same step. Organizers approve pending registrations and decline any
// live one with a message.
//
// # Privacy
//
// Participants at risk register here. The form collects only what it
// asks: an answer to no question, or an address a form does not ask for,
// is refused, and nothing is stored on a refusal. A form may allow
// pseudonyms and need no address at all. A personal link is a random
// 256-bit token carrying no personal data; only its SHA-256 is stored,
// like organizer tokens. Registrations are deleted RetentionDays (default
// 90) after the event (Service.Purge, run daily), and Service.Forget
// deletes one person on request; both leave no record, index entry or
// hash of the person in the store. A forged, malformed or forgotten link
// gives ErrForgedToken, a cancelled one ErrCancelled; neither says more.
//
// ErrDuplicate, which the issue asks for, would tell whoever submits an
// address that it is registered for the event. The server therefore never
// shows it: with a mailer it answers a taken address exactly like a new
// one and mails the address's owner a link to their own registration;
// without one it sets Config.SameEmailTwice, so that an address may
// register twice and nothing is refused. Registrations are rate-limited
// per client address, and a form for a sensitive event can ask for no
// address (EmailNone).
//
// # Concurrency
//
// Values (Form, Registration, Message) are plain data and not shared.
// Service is goroutine-safe as long as its Store is: the capacity check
// and the insert are one Store step (Register), each status change is one
// conditional Store step that promotes from the waitlist in the same step
// (ChangeRegistration, ForgetRegistration, FillWaitlist); the Service
// holds no lock and keeps no state between calls. Form edits use
// optimistic versions (ErrConflict). Compose, FormatWhen, WriteCSV and
// CheckAnswers are pure functions, safe from any goroutine. Nothing here
// blocks except on the Store (and on the Mailer, which the caller drives).
package registration
