package server

import (
	"context"
	"errors"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// registrationJobEvery is how often RunRegistrationJobs runs.
const registrationJobEvery = time.Minute

// reminderWindow is how late a reminder may still go out: an instance
// that was down at the due time sends it when it comes back within the
// window; a webinar created later than a reminder's time gets none (a
// "tomorrow" mail an hour before would mislead).
var reminderWindow = map[registration.MailKind]time.Duration{
	registration.MailReminderDay:  2 * time.Hour,
	registration.MailReminderHour: 30 * time.Minute,
}

// RunRegistrationJobs runs RegistrationJobs every minute until ctx ends.
// Every instance may run it: the purge is idempotent, and each reminder
// is claimed in the store (MarkOnce) by one instance only.
func (s *Server) RunRegistrationJobs(ctx context.Context) {
	if s.reg == nil {
		return
	}
	t := time.NewTicker(registrationJobEvery)
	defer t.Stop()
	for {
		if err := s.RegistrationJobs(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("registration jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RegistrationJobs runs one pass: it deletes the registrations and the
// attendance of events whose retention has passed, and queues the reminders due (a day and an
// hour before the start, to approved registrants with an address, in
// their language).
func (s *Server) RegistrationJobs(ctx context.Context) error {
	if s.reg == nil {
		return nil
	}
	now := s.cfg.Now()
	if _, err := s.reg.svc.Purge(ctx, now); err != nil {
		return err
	}
	if err := s.purgeRetained(ctx, now); err != nil {
		return err
	}
	if s.reg.mailer == nil {
		return nil
	}
	forms, err := s.reg.store.ListForms(ctx)
	if err != nil {
		return err
	}
	for _, f := range forms {
		e, err := s.store.GetEvent(ctx, f.Event)
		if errors.Is(err, agenda.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if e.Status == agenda.StatusCancelled || !now.Before(e.Start) {
			continue
		}
		for _, kind := range []registration.MailKind{registration.MailReminderDay, registration.MailReminderHour} {
			at := registration.ReminderAt(kind, e)
			if now.Before(at) || now.Sub(at) > reminderWindow[kind] {
				continue
			}
			// The mark names the start, so that a moved webinar is
			// reminded again at its new time.
			made, err := s.reg.store.MarkOnce(ctx, e.ID, string(kind)+"@"+e.Start.UTC().Format(time.RFC3339))
			if err != nil {
				return err
			}
			if !made {
				continue
			}
			list, err := s.reg.svc.List(ctx, e.ID, registration.Filter{Statuses: []registration.Status{registration.StatusApproved}})
			if err != nil {
				return err
			}
			for _, r := range list {
				s.notify(ctx, kind, r, e, "", 0)
			}
		}
	}
	return nil
}
