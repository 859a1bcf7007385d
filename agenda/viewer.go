package agenda

import (
	"context"
	"errors"
)

// Viewer is whoever a Service call is made for. Rules that look at other
// events than the one written (its parent annual meeting, its side events)
// consult only the events the viewer may see, and their errors name, time
// or count nothing else: to a viewer, an event it may not see does not
// exist. access.Principal is a Viewer.
type Viewer interface {
	// CanSee reports whether the viewer may learn that e exists.
	CanSee(e Event) bool
}

// Option tunes one call of a Service method.
type Option func(*call)

// For makes the call on behalf of v (an API caller). Without it the call
// is internal (demo data, the importer, administration) and sees every
// event.
func For(v Viewer) Option {
	return func(c *call) { c.viewer = v }
}

// By records the organizer (ID) a call is made by, in the releases it
// makes (publishing an event releases its agenda).
func By(organizerID string) Option {
	return func(c *call) { c.by = organizerID }
}

// call is what the options of one call say.
type call struct {
	viewer Viewer
	by     string
}

func options(opts []Option) call {
	var c call
	for _, o := range opts {
		o(&c)
	}
	return c
}

// sees reports whether the call's viewer may see e.
func (c call) sees(e Event) bool { return c.viewer == nil || c.viewer.CanSee(e) }

// ParentFor returns e's parent as v sees it: e.Parent, or "" when v may not
// see that event or it no longer exists (so that nothing shows v the ID of
// an event hidden from it, or of a removed one).
func (s *Service) ParentFor(ctx context.Context, e Event, v Viewer) (string, error) {
	if e.Parent == "" {
		return "", nil
	}
	p, err := s.store.GetEvent(ctx, e.Parent)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if v != nil && !v.CanSee(p) {
		return "", nil
	}
	return e.Parent, nil
}
