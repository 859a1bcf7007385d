package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Centrifugo's JSON client protocol (v2), the part a chat room needs:
// every command is {"id":N,"<method>":{…}} and its reply {"id":N,"<method>":{…}}
// or {"id":N,"error":{…}}; a publication comes as
// {"push":{"channel":…,"pub":{"data":…}}}. The server may put several
// replies and pushes in one frame, one JSON object a line.

// centrifugoURL is the websocket endpoint of the server at base.
func centrifugoURL(base string) string {
	if rest, ok := strings.CutPrefix(base, "https://"); ok {
		base = "wss://" + rest
	} else if rest, ok := strings.CutPrefix(base, "http://"); ok {
		base = "ws://" + rest
	}
	return base + "/connection/websocket"
}

type centrifugoReply struct {
	ID    uint32 `json:"id"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// dialCentrifugo connects c anonymously and subscribes it to the channel.
func (r *loadRun) dialCentrifugo(ctx context.Context, c *client) error {
	conn, res, err := wsDialer(r.src.addr(c.i)).DialContext(ctx, centrifugoURL(r.cfg.urls[c.instance]), nil)
	if err != nil {
		if res != nil {
			res.Body.Close()
		}
		r.count(r.connectErrors, dialCause(err, res))
		return err
	}
	fail := func(cause string, err error) error {
		conn.Close()
		r.count(r.connectErrors, cause)
		return fmt.Errorf("client %d: %s: %v", c.i, cause, err)
	}
	cmds := `{"id":1,"connect":{"name":"majlis-load"}}` + "\n" +
		`{"id":2,"subscribe":{"channel":` + strconv.Quote(r.cfg.channel) + `}}`
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := conn.WriteMessage(websocket.TextMessage, []byte(cmds)); err != nil {
		return fail("connect", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	defer conn.SetReadDeadline(time.Time{})
	for subscribed := false; !subscribed; {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return fail("no subscribe reply", err)
		}
		for line := range bytes.SplitSeq(b, []byte{'\n'}) {
			var rep centrifugoReply
			if len(line) == 0 || json.Unmarshal(line, &rep) != nil || rep.ID == 0 {
				continue
			}
			if rep.Error != nil {
				return fail(fmt.Sprintf("error %d %s", rep.Error.Code, rep.Error.Message), errors.New(rep.Error.Message))
			}
			subscribed = subscribed || rep.ID == 2
		}
	}
	c.conn = conn
	return nil
}

// centrifugoPublish is the frame a publisher sends.
func centrifugoPublish(channel string, pub int, counter uint64, sent int64) []byte {
	return []byte(`{"id":` + strconv.FormatUint(counter+2, 10) + `,"publish":{"channel":` + strconv.Quote(channel) +
		`,"data":{"text":"` + chatText(pub, counter, sent) + `"}}}`)
}

var pushPrefix = []byte(`{"push":`)

// onCentrifugo counts the publications in a frame. Pings ({}) go
// unanswered: bench-peers configures pings rarer than a run.
func (r *loadRun) onCentrifugo(c *client, msg []byte, now int64) {
	for line := range bytes.SplitSeq(msg, []byte{'\n'}) {
		if !bytes.HasPrefix(line, pushPrefix) {
			if bytes.Contains(line, []byte(`"error":`)) {
				r.count(r.serverErrors, "centrifugo error")
			}
			continue
		}
		if pub, counter, sent, ok := parseText(line); ok && c.track && pub < len(c.streams) {
			r.got(&c.streams[pub], counter, sent, now)
		}
	}
}
