package realtime

import (
	"context"
	"fmt"
)

// Caption is a caption from outside the room: a captioner's line, taken
// in by the caption ingest endpoint and stored before it is published.
type Caption struct {
	// Channel is "floor" or a language: where the caption is shown.
	Channel string
	// Lang is the caption's language.
	Lang string
	// Speaker is the speaker's name as the captioner gave it; may be empty.
	Speaker string
	// Text is the caption, already checked and normalised.
	Text string
}

// PublishCaption publishes c in the room roomID as a caption message
// (logged, with a seq), on every instance. The room need not have members
// on this instance.
func (n *Node) PublishCaption(ctx context.Context, roomID string, c Caption) error {
	return n.ask(ctx, roomID, "caption in", func(done chan error) request { return captionReq{c: c, done: done} })
}

// captionReq publishes a captioner's caption.
type captionReq struct {
	c    Caption
	done chan error
}

func (q captionReq) handle(r *room) { q.done <- r.captionIn(q.c) }

func (r *room) captionIn(c Caption) error {
	if !r.loaded {
		if err := r.load(); err != nil {
			return err
		}
	}
	if e := r.publish(Envelope{Type: MsgCaption,
		Data: mustJSON(captionData{Channel: c.Channel, Text: c.Text, Speaker: c.Speaker, Lang: c.Lang})}); e != nil {
		return fmt.Errorf("realtime: caption in room %s: %s", r.id, e.Message)
	}
	return nil
}
