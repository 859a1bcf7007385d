package realtime

import "slices"

func (r *room) handRaise(c *Client, _ Envelope, _ noData) *Error {
	me := c.member.ID
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
}

// handLowerCmd: ID is whose hand; "" (or one's own ID) is one's own.
type handLowerCmd struct {
	ID string `json:"id"`
}

func (r *room) handLower(c *Client, _ Envelope, d handLowerCmd) *Error {
	who := c.member.ID
	if d.ID != "" && d.ID != who {
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
}

type floorGrantCmd struct {
	ID string `json:"id"`
}

func (r *room) floorGrant(_ *Client, _ Envelope, d floorGrantCmd) *Error {
	if _, ok := r.members[d.ID]; !ok {
		return errorf(ErrUnknown, "data.id: no member %q in the room", clip(d.ID, 40))
	}
	return r.floor(func(f *Floor) *Error {
		f.Speaker = d.ID
		f.Queue = slices.DeleteFunc(f.Queue, func(x string) bool { return x == d.ID })
		return nil
	})
}

func (r *room) floorRelease(c *Client, _ Envelope, _ noData) *Error {
	return r.floor(func(f *Floor) *Error {
		if f.Speaker == "" {
			return errorf(ErrInvalidState, "nobody has the floor")
		}
		if f.Speaker != c.member.ID && c.member.Role != RoleHost {
			return errorf(ErrForbidden, "only the speaker or a host may end a turn")
		}
		f.Speaker = ""
		return nil
	})
}

type floorReorderCmd struct {
	Queue []string `json:"queue"`
}

func (r *room) floorReorder(_ *Client, _ Envelope, d floorReorderCmd) *Error {
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
}

func (r *room) floorClear(*Client, Envelope, noData) *Error {
	return r.floor(func(f *Floor) *Error {
		f.Queue = []string{}
		return nil
	})
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
