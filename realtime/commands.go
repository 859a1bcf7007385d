package realtime

import (
	"slices"
	"strings"

	"github.com/majlis/majlis/agenda"
	"time"
	"unicode/utf8"
)

// Reactions are the reactions a member may send.
var Reactions = []string{"clap", "thumbs-up", "heart", "laugh", "thanks", "agree", "disagree"}

// command runs one client command in the room goroutine. The returned
// error goes back to the client only; nothing is published then.
func (r *room) command(c *Client, env Envelope) *Error {
	if !c.member.Role.Can(env.Type) {
		return errorf(ErrForbidden, "a %s may not send %s", c.member.Role, env.Type)
	}
	if c.member.Muted && (env.Type == CmdChat || env.Type == CmdHandRaise || env.Type == CmdReaction) {
		return errorf(ErrForbidden, "a host muted you")
	}
	if env.To != ToEveryone && env.Type != CmdChat {
		return errorf(ErrBadMessage, `only chat may be sent "to" an audience`)
	}
	if env.To == ToInterpreters && c.member.Role != RoleInterpreter && c.member.Role != RoleHost {
		return errorf(ErrForbidden, "only interpreters and hosts use the interpreters' chat")
	}
	if booth, ok := strings.CutPrefix(env.To, ToBooth); ok && c.member.Role != RoleHost && c.member.Booth != booth {
		return errorf(ErrForbidden, "only that booth's interpreters and hosts use its chat")
	}
	if slices.Contains(interpCommands, env.Type) {
		return r.interpCommand(c, env)
	}
	me := c.member.ID
	switch env.Type {
	case CmdChat:
		var d struct {
			Text string `json:"text"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		text := cleanText(d.Text)
		if text == "" {
			return errorf(ErrBadMessage, "data.text is empty")
		}
		if utf8.RuneCountInString(text) > MaxChat {
			return errorf(ErrTooLong, "data.text is over %d characters", MaxChat)
		}
		return r.publish(Envelope{Type: MsgChat, From: me, To: env.To,
			Data: mustJSON(chatData{Text: text, Name: c.member.Name, Role: c.member.Role})})

	case CmdReaction:
		var d struct {
			Reaction string `json:"reaction"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		if !slices.Contains(Reactions, d.Reaction) {
			return errorf(ErrBadMessage, "data.reaction must be one of %v", Reactions)
		}
		out := Envelope{Type: MsgReaction, From: me, Data: mustJSON(d)}
		ctx, cancel := r.ctx()
		defer cancel()
		if err := r.node.backend.Announce(ctx, r.id, &out); err != nil {
			return errorf(ErrUnavailable, "the reaction could not be sent")
		}
		return nil

	case CmdHandRaise:
		if e := decodeData(env.Data, &struct{}{}); e != nil {
			return e
		}
		return r.floor(func(f *Floor) *Error {
			if f.Speaker == me {
				return errorf(ErrInvalidState, "you have the floor")
			}
			if slices.Contains(f.Queue, me) {
				return errorf(ErrInvalidState, "your hand is already raised")
			}
			f.Queue = append(f.Queue, me)
			return nil
		})

	case CmdHandLower:
		var d struct {
			ID string `json:"id"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		who := me
		if d.ID != "" && d.ID != me {
			if c.member.Role != RoleHost {
				return errorf(ErrForbidden, "only a host may lower someone else's hand")
			}
			who = d.ID
		}
		return r.floor(func(f *Floor) *Error {
			if !slices.Contains(f.Queue, who) {
				return errorf(ErrInvalidState, "that hand is not raised")
			}
			f.Queue = slices.DeleteFunc(f.Queue, func(x string) bool { return x == who })
			return nil
		})

	case CmdFloorGrant:
		var d struct {
			ID string `json:"id"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		if _, ok := r.members[d.ID]; !ok {
			return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
		}
		return r.floor(func(f *Floor) *Error {
			f.Speaker = d.ID
			f.Queue = slices.DeleteFunc(f.Queue, func(x string) bool { return x == d.ID })
			return nil
		})

	case CmdFloorRelease:
		if e := decodeData(env.Data, &struct{}{}); e != nil {
			return e
		}
		return r.floor(func(f *Floor) *Error {
			if f.Speaker == "" {
				return errorf(ErrInvalidState, "nobody has the floor")
			}
			if f.Speaker != me && c.member.Role != RoleHost {
				return errorf(ErrForbidden, "only the speaker or a host may end a turn")
			}
			f.Speaker = ""
			return nil
		})

	case CmdFloorReorder:
		var d struct {
			Queue []string `json:"queue"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		return r.floor(func(f *Floor) *Error {
			a, b := slices.Clone(f.Queue), slices.Clone(d.Queue)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				return errorf(ErrInvalidState, "data.queue must hold exactly the raised hands, in the new order")
			}
			f.Queue = d.Queue
			return nil
		})

	case CmdFloorClear:
		if e := decodeData(env.Data, &struct{}{}); e != nil {
			return e
		}
		return r.floor(func(f *Floor) *Error {
			f.Queue = []string{}
			return nil
		})

	case CmdAgendaStart, CmdAgendaEnd:
		var d struct {
			Item string `json:"item"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		r.refreshItems()
		i := slices.IndexFunc(r.items, func(it agenda.Item) bool { return it.ID == d.Item })
		if i < 0 {
			return errorf(ErrUnknown, "data.item: no agenda item %q", clip(d.Item, 40))
		}
		now := r.node.cfg.Now().UTC().Truncate(time.Second)
		it := r.items[i]
		defer func() {
			// The floor language follows the item that starts.
			if env.Type == CmdAgendaStart && it.FloorLanguage != "" && it.FloorLanguage != r.state.Interp.FloorLanguage && r.state.Agenda.Current == it.ID {
				if e := r.publishInterp(me, func(st *State) error {
					st.Interp.FloorLanguage = it.FloorLanguage
					return nil
				}); e != nil {
					r.node.log.Warn("room: floor language", "room", r.id, "err", e)
				}
			}
		}()
		return r.publishState(func(st *State) (Envelope, *Error) {
			p := &st.Agenda
			if env.Type == CmdAgendaStart {
				if p.Current == it.ID {
					return Envelope{}, errorf(ErrInvalidState, "that item is already running")
				}
				if p.Current != "" && !slices.Contains(p.Done, p.Current) {
					p.Done = append(p.Done, p.Current)
				}
				p.Current, p.StartedAt = it.ID, &now
				p.Done = slices.DeleteFunc(p.Done, func(x string) bool { return x == it.ID })
				p.Drift = int64(now.Sub(it.Start) / time.Second)
			} else {
				if p.Current != it.ID {
					return Envelope{}, errorf(ErrInvalidState, "that item is not running")
				}
				p.Done = append(p.Done, it.ID)
				p.Current, p.StartedAt = "", nil
				p.Drift = int64(now.Sub(it.End()) / time.Second)
			}
			end := r.scheduledEnd().Add(time.Duration(p.Drift) * time.Second)
			p.ProjectedEnd = &end
			if p.Done == nil {
				p.Done = []string{}
			}
			return Envelope{Type: MsgAgenda, From: me, Data: mustJSON(p)}, nil
		}, nil)

	case CmdMute:
		var d struct {
			ID    string `json:"id"`
			Muted *bool  `json:"muted"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		m, ok := r.members[d.ID]
		if !ok {
			return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
		}
		m.Muted = d.Muted == nil || *d.Muted
		return r.publishState(func(st *State) (Envelope, *Error) {
			if m.Muted {
				removeFromFloor(st, m.ID)
			}
			return Envelope{Type: MsgMember, From: me, Data: mustJSON(m)}, nil
		}, &Change{Update: &m})

	case CmdRemove:
		var d struct {
			ID string `json:"id"`
		}
		if e := decodeData(env.Data, &d); e != nil {
			return e
		}
		if d.ID == me {
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
			return Envelope{Type: MsgRemove, From: me, Data: mustJSON(removeData{ID: d.ID, Ban: ban})}, nil
		}, nil)
	}
	return errorf(ErrBadMessage, "unknown message type %q", env.Type)
}

type chatData struct {
	Text string `json:"text"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// floor publishes a change of the floor.
func (r *room) floor(change func(f *Floor) *Error) *Error {
	return r.publishState(func(st *State) (Envelope, *Error) {
		if e := change(&st.Floor); e != nil {
			return Envelope{}, e
		}
		if st.Floor.Queue == nil {
			st.Floor.Queue = []string{}
		}
		return Envelope{Type: MsgFloor, Data: mustJSON(st.Floor)}, nil
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
