package realtime

import (
	"fmt"
	"slices"
)

type muteCmd struct {
	ID string `json:"id"`
	// Muted defaults to true.
	Muted *bool `json:"muted"`
}

func (r *room) mute(c *Client, _ Envelope, d muteCmd) *Error {
	m, ok := r.members[d.ID]
	if !ok {
		return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
	}
	m.Muted = d.Muted == nil || *d.Muted
	return r.publishState(func(st *State) (Envelope, *Error) {
		if m.Muted {
			removeFromFloor(st, m.ID)
		}
		return Envelope{Type: MsgMember, From: c.member.ID, Data: mustJSON(m)}, nil
	}, &Change{Update: &m})
}

type removeCmd struct {
	ID string `json:"id"`
}

func (r *room) remove(c *Client, _ Envelope, d removeCmd) *Error {
	if d.ID == c.member.ID {
		return errorf(ErrInvalidState, "you cannot remove yourself; leave instead")
	}
	if _, ok := r.members[d.ID]; !ok {
		return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
	}
	// The ban needs the subject, which only the instance holding the
	// connection knows; elsewhere the member is only disconnected.
	ban := ""
	if target, ok := r.clients[d.ID]; ok {
		ban = banKey(r.id, target.member.Subject)
	} else if m := r.members[d.ID]; m.Subject != "" {
		ban = banKey(r.id, m.Subject)
	}
	return r.publishState(func(st *State) (Envelope, *Error) {
		if ban != "" && !slices.Contains(st.Banned, ban) {
			st.Banned = append(st.Banned, ban)
		}
		return Envelope{Type: MsgRemove, From: c.member.ID, Data: mustJSON(removeData{ID: d.ID, Ban: ban})}, nil
	}, nil)
}

// removeSubjectReq removes and bans everyone who joined as subject.
type removeSubjectReq struct {
	subject string
	done    chan error
}

func (q removeSubjectReq) handle(r *room) { q.done <- r.removeSubject(q.subject) }

// removeSubject bans subject from the room and removes its members on
// every instance: a remove message with no member ID and the subject's ban.
func (r *room) removeSubject(subject string) error {
	if !r.loaded {
		if err := r.load(); err != nil {
			return err
		}
	}
	ban := banKey(r.id, subject)
	if e := r.publishState(func(st *State) (Envelope, *Error) {
		if !slices.Contains(st.Banned, ban) {
			st.Banned = append(st.Banned, ban)
		}
		return Envelope{Type: MsgRemove, Data: mustJSON(removeData{Ban: ban})}, nil
	}, nil); e != nil {
		return fmt.Errorf("realtime: remove from room %s: %s", r.id, e.Message)
	}
	return nil
}
