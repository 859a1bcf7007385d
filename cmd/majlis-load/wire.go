package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"

	"github.com/majlis/majlis/realtime"
)

// A load message's chat text is "load|<publisher>|<counter>|<sent>": the
// publisher's index, its message counter (from 1) and the send time in
// nanoseconds since the run's origin.
const chatMark = "load|"

func chatText(pub int, counter uint64, sent int64) string {
	b := make([]byte, 0, 48)
	b = append(b, chatMark...)
	b = strconv.AppendInt(b, int64(pub), 10)
	b = append(b, '|')
	b = strconv.AppendUint(b, counter, 10)
	b = append(b, '|')
	b = strconv.AppendInt(b, sent, 10)
	return string(b)
}

// chatCommand is the frame a publisher sends.
func chatCommand(pub int, counter uint64, sent int64) []byte {
	b, _ := json.Marshal(realtime.Envelope{Type: realtime.CmdChat,
		Data: json.RawMessage(`{"text":"` + chatText(pub, counter, sent) + `"}`)})
	return b
}

var (
	chatPrefix  = []byte(`{"type":"chat"`)
	textField   = []byte(`"text":"` + chatMark)
	errorPrefix = []byte(`{"type":"error"`)
)

// parseChat reads a load message out of a server chat message without
// decoding the JSON: the server encodes envelopes with encoding/json, type
// first and data last, and a load text has only digits and bars, so a
// byte search is exact. Thousands of clients each read every message.
func parseChat(msg []byte) (pub int, counter uint64, sent int64, ok bool) {
	if !bytes.HasPrefix(msg, chatPrefix) {
		return 0, 0, 0, false
	}
	return parseText(msg)
}

// parseText reads the load text of a message (of any protocol) whose
// only "text" field is the load text.
func parseText(msg []byte) (pub int, counter uint64, sent int64, ok bool) {
	i := bytes.Index(msg, textField)
	if i < 0 {
		return 0, 0, 0, false
	}
	rest := msg[i+len(textField):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return 0, 0, 0, false
	}
	parts := bytes.Split(rest[:end], []byte{'|'})
	if len(parts) != 3 {
		return 0, 0, 0, false
	}
	p, err1 := strconv.Atoi(string(parts[0]))
	c, err2 := strconv.ParseUint(string(parts[1]), 10, 64)
	s, err3 := strconv.ParseInt(string(parts[2]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || p < 0 || c == 0 {
		return 0, 0, 0, false
	}
	return p, c, s, true
}

// parseError returns the code of a server error message.
func parseError(msg []byte) (string, bool) {
	if !bytes.HasPrefix(msg, errorPrefix) {
		return "", false
	}
	var env struct {
		Data struct {
			Code string `json:"code"`
		} `json:"data"`
	}
	if json.Unmarshal(msg, &env) != nil || env.Data.Code == "" {
		return "", false
	}
	return env.Data.Code, true
}

// An audio payload is: counter (8 bytes, big endian), send time in ns
// since the run's origin (8 bytes), then filler up to 80–160 bytes, the
// size of Opus 20 ms voice frames at 32–64 kbit/s.
const audioHeader = 16

func audioPayload(counter uint64, sent int64) []byte {
	size := 80 + int(counter*37%81)
	p := make([]byte, size)
	binary.BigEndian.PutUint64(p, counter)
	binary.BigEndian.PutUint64(p[8:], uint64(sent))
	for i := audioHeader; i < size; i++ {
		p[i] = byte(counter) ^ byte(i)
	}
	return p
}

// parseAudio reads a frame's channel, counter and send time.
func parseAudio(frame []byte) (channel string, counter uint64, sent int64, ok bool) {
	ch, payload, ok := realtime.ParseFrame(frame)
	if !ok || len(payload) < audioHeader {
		return "", 0, 0, false
	}
	return ch, binary.BigEndian.Uint64(payload), int64(binary.BigEndian.Uint64(payload[8:])), true
}
