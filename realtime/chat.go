package realtime

import (
	"slices"
	"unicode/utf8"
)

// Reactions are the reactions a member may send.
var Reactions = []string{"clap", "thumbs-up", "heart", "laugh", "thanks", "agree", "disagree"}

type chatCmd struct {
	Text string `json:"text"`
}

type chatData struct {
	Text string `json:"text"`
	Name string `json:"name"`
	Role Role   `json:"role"`
}

func (r *room) chat(c *Client, env Envelope, d chatCmd) *Error {
	text := cleanText(d.Text)
	if text == "" {
		return errorf(ErrBadMessage, "data.text is empty")
	}
	if utf8.RuneCountInString(text) > MaxChat {
		return errorf(ErrTooLong, "data.text is over %d characters", MaxChat)
	}
	return r.publish(Envelope{Type: MsgChat, From: c.member.ID, To: env.To,
		Data: mustJSON(chatData{Text: text, Name: c.member.Name, Role: c.member.Role})})
}

type reactionCmd struct {
	Reaction string `json:"reaction"`
}

func (r *room) reaction(c *Client, _ Envelope, d reactionCmd) *Error {
	if !slices.Contains(Reactions, d.Reaction) {
		return errorf(ErrBadMessage, "data.reaction must be one of %v", Reactions)
	}
	out := Envelope{Type: MsgReaction, From: c.member.ID, Data: mustJSON(d)}
	ctx, cancel := r.callContext()
	defer cancel()
	if err := r.node.backend.Announce(ctx, r.id, &out); err != nil {
		return errorf(ErrUnavailable, "the reaction could not be sent")
	}
	return nil
}
