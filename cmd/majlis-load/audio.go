package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/majlis/majlis/interpretation"
	"github.com/majlis/majlis/realtime"
)

// audioChannels are the channels published on, in the order of
// loadRun.final: the floor, then one booth per language.
var audioChannels = append([]string{interpretation.Floor}, languages...)

// setupAudio brings a session on air: a host (the organizer), a speaker
// given the floor, and one interpreter live in each booth; the floor
// language is left unknown ("") so that every booth interprets from the
// floor and each language channel carries its own booth's audio
// (docs/protocol.md, routes). Then the listeners join, split over the five
// channels.
func (r *loadRun) setupAudio(ctx context.Context, a *api) error {
	event := r.events[0]
	M := len(r.cfg.urls)
	r.final = make([]atomic64, len(audioChannels))

	host := &client{i: 0, token: r.cfg.token, channel: interpretation.Floor}
	speakerTok, err := a.invite(ctx, event, invitation{Role: "speaker", Name: "Floor speaker"})
	if err != nil {
		return fmt.Errorf("invite speaker: %w", err)
	}
	speaker := &client{i: 1, instance: 1 % M, token: speakerTok, channel: interpretation.Floor}
	r.staff = []*client{host, speaker}
	for j, l := range languages {
		inputs := slices.DeleteFunc(slices.Clone(languages), func(x string) bool { return x == l })
		tok, err := a.invite(ctx, event, invitation{Role: "interpreter", Name: "Interpreter " + l, Booth: l, Languages: inputs})
		if err != nil {
			return fmt.Errorf("invite interpreter: %w", err)
		}
		r.staff = append(r.staff, &client{i: 2 + j, instance: (2 + j) % M, token: tok, channel: l})
	}
	for _, c := range r.staff {
		if err := r.dial(ctx, c); err != nil {
			return fmt.Errorf("staff client %d: %w", c.i, err)
		}
	}
	if err := r.onAir(host, speaker); err != nil {
		return err
	}
	for _, c := range r.staff {
		r.readers.Add(1)
		go r.read(c)
	}

	r.clients = make([]*client, r.cfg.clients)
	for i := range r.clients {
		ch := audioChannels[i%len(audioChannels)]
		// Listener i uses source addresses after the staff's.
		r.clients[i] = &client{i: 10 + i, instance: i % M, channel: ch, track: true, streams: make([]stream, 1)}
	}
	if r.cfg.join == "invite" {
		for i, c := range r.clients {
			inv := invitation{Role: "participant", Name: "Listener " + strconv.Itoa(i)}
			if c.channel != interpretation.Floor {
				inv.Languages = []string{c.channel} // they start on that channel
			}
			if c.token, err = a.invite(ctx, event, inv); err != nil {
				return fmt.Errorf("invite listener: %w", err)
			}
		}
	}
	r.connectAll(ctx, r.clients, r.tune)
	return ctx.Err()
}

// tune puts a new listener on its channel (anonymous listeners start on
// the floor) and waits until the room confirms it.
func (r *loadRun) tune(c *client) error {
	if c.welcomed == c.channel {
		return nil
	}
	if err := command(c.conn, realtime.CmdChannel, map[string]string{"channel": c.channel}); err != nil {
		return err
	}
	return until(c.conn, func(env realtime.Envelope) (bool, error) {
		if env.Type == realtime.MsgError {
			return false, fmt.Errorf("channel: %s", env.Data)
		}
		if env.Type != realtime.MsgMember {
			return false, nil
		}
		var m realtime.Member
		return json.Unmarshal(env.Data, &m) == nil && m.ID == c.id && m.Channel == c.channel, nil
	})
}

// onAir sets the floor language to unknown, puts each interpreter live in
// their booth, and has the host give the speaker the floor.
func (r *loadRun) onAir(host, speaker *client) error {
	if err := command(host.conn, realtime.CmdFloorLanguage, map[string]string{"language": ""}); err != nil {
		return err
	}
	for _, c := range r.staff[2:] {
		if err := command(c.conn, realtime.CmdBoothTake, nil); err != nil {
			return err
		}
		err := until(c.conn, func(env realtime.Envelope) (bool, error) {
			if env.Type == realtime.MsgError {
				return false, fmt.Errorf("booth.take %s: %s", c.channel, env.Data)
			}
			var v struct {
				Booths []interpretation.Booth `json:"booths"`
				Routes []interpretation.Route `json:"routes"`
			}
			if env.Type != realtime.MsgInterp || json.Unmarshal(env.Data, &v) != nil {
				return false, nil
			}
			for _, rt := range v.Routes {
				if rt.Channel == c.channel {
					return rt.Interpreter == c.id && rt.Source == c.channel, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return fmt.Errorf("interpreter %s: %w", c.channel, err)
		}
	}
	if err := command(speaker.conn, realtime.CmdHandRaise, nil); err != nil {
		return err
	}
	err := until(host.conn, func(env realtime.Envelope) (bool, error) {
		var f realtime.Floor
		return env.Type == realtime.MsgFloor && json.Unmarshal(env.Data, &f) == nil && slices.Contains(f.Queue, speaker.id), nil
	})
	if err != nil {
		return fmt.Errorf("hand raise: %w", err)
	}
	if err := command(host.conn, realtime.CmdFloorGrant, map[string]string{"id": speaker.id}); err != nil {
		return err
	}
	err = until(speaker.conn, func(env realtime.Envelope) (bool, error) {
		if env.Type == realtime.MsgError {
			return false, fmt.Errorf("%s", env.Data)
		}
		var f realtime.Floor
		return env.Type == realtime.MsgFloor && json.Unmarshal(env.Data, &f) == nil && f.Speaker == speaker.id, nil
	})
	if err != nil {
		return fmt.Errorf("floor grant: %w", err)
	}
	return nil
}

// command sends one command (during setup, from the client's only writer).
func command(conn *websocket.Conn, typ realtime.MsgType, data any) error {
	env := realtime.Envelope{Type: typ}
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return err
		}
		env.Data = b
	}
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return conn.WriteJSON(env)
}

// until reads text messages (for at most 30 s) until ok says done.
func until(conn *websocket.Conn, ok func(realtime.Envelope) (bool, error)) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var env realtime.Envelope
		_ = conn.SetReadDeadline(deadline)
		typ, b, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		if typ != websocket.TextMessage || json.Unmarshal(b, &env) != nil {
			continue
		}
		done, err := ok(env)
		if err != nil {
			return err
		}
		if done {
			return conn.SetReadDeadline(time.Time{})
		}
	}
}

// publishAudio starts one publisher per channel (the speaker on the floor,
// each live interpreter on their booth) at cfg.fps frames per second.
func (r *loadRun) publishAudio(ctx context.Context, start, end time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	interval := time.Second / time.Duration(r.cfg.fps)
	for j, c := range r.staff[1:] { // speaker, then the booths: audioChannels order
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := start + interval*time.Duration(j)/time.Duration(len(audioChannels))
			r.publish(ctx, c.conn, first, end, interval, &r.final[j], func(counter uint64, sent int64) (int, []byte) {
				return websocket.BinaryMessage, realtime.AudioFrame(c.channel, audioPayload(counter, sent))
			})
		}()
	}
	return &wg
}

// onFrame counts an audio frame for a listener: its channel must be the
// one the listener tuned to.
func (r *loadRun) onFrame(c *client, frame []byte, now int64) {
	if !c.track {
		return
	}
	ch, counter, sent, ok := parseAudio(frame)
	if !ok || ch != c.channel {
		r.wrongChannel.Add(1)
		return
	}
	r.got(&c.streams[0], counter, sent, now)
}
