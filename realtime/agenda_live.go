package realtime

import (
	"slices"
	"time"

	"github.com/majlis/majlis/agenda"
)

type agendaCmd struct {
	Item string `json:"item"`
}

// agendaStart starts an item; the running one is done. The floor
// language follows the item that starts.
func (r *room) agendaStart(c *Client, _ Envelope, d agendaCmd) *Error {
	it, e := r.agendaItem(d.Item)
	if e != nil {
		return e
	}
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	e = r.agendaMove(c, func(p *Progress) *Error {
		if p.Current == it.ID {
			return errorf(ErrInvalidState, "that item is already running")
		}
		if p.Current != "" && !slices.Contains(p.Done, p.Current) {
			p.Done = append(p.Done, p.Current)
		}
		p.Current, p.StartedAt = it.ID, &now
		p.Done = slices.DeleteFunc(p.Done, func(x string) bool { return x == it.ID })
		p.Drift = int64(now.Sub(it.Start) / time.Second)
		return nil
	})
	// Also when the item was already running: its language may have
	// changed since.
	if it.FloorLanguage != "" && it.FloorLanguage != r.state.Interp.FloorLanguage && r.state.Agenda.Current == it.ID {
		if le := r.publishInterp(c.member.ID, func(st *State) error {
			st.Interp.FloorLanguage = it.FloorLanguage
			return nil
		}); le != nil {
			r.node.log.Warn("room: floor language", "room", r.id, "err", le)
		}
	}
	return e
}

// agendaEnd ends the running item.
func (r *room) agendaEnd(c *Client, _ Envelope, d agendaCmd) *Error {
	it, e := r.agendaItem(d.Item)
	if e != nil {
		return e
	}
	now := r.node.cfg.Now().UTC().Truncate(time.Second)
	return r.agendaMove(c, func(p *Progress) *Error {
		if p.Current != it.ID {
			return errorf(ErrInvalidState, "that item is not running")
		}
		p.Done = append(p.Done, it.ID)
		p.Current, p.StartedAt = "", nil
		p.Drift = int64(now.Sub(it.End()) / time.Second)
		return nil
	})
}

// agendaItem finds an item of the event's current agenda.
func (r *room) agendaItem(id string) (agenda.Item, *Error) {
	r.refreshItems()
	i := slices.IndexFunc(r.items, func(it agenda.Item) bool { return it.ID == id })
	if i < 0 {
		return agenda.Item{}, errorf(ErrUnknown, "data.item: no agenda item %q", clip(id, 40))
	}
	return r.items[i], nil
}

// agendaMove publishes a change of the live agenda, with the projected
// end moved by the new drift.
func (r *room) agendaMove(c *Client, change func(p *Progress) *Error) *Error {
	return r.publishState(func(st *State) (Envelope, *Error) {
		p := &st.Agenda
		if e := change(p); e != nil {
			return Envelope{}, e
		}
		end := r.scheduledEnd().Add(time.Duration(p.Drift) * time.Second)
		p.ProjectedEnd = &end
		if p.Done == nil {
			p.Done = []string{}
		}
		return Envelope{Type: MsgAgenda, From: c.member.ID, Data: mustJSON(p)}, nil
	}, nil)
}

// scheduledEnd is when the session is planned to end: the event's end, or
// its last item's if that is later.
func (r *room) scheduledEnd() time.Time {
	end := r.event.End
	for _, it := range r.items {
		if it.End().After(end) {
			end = it.End()
		}
	}
	return end
}
