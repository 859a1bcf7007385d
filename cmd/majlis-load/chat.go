package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// setupChat places the clients (client i in room i mod R, then on the
// instances in turn), gets their join tokens and connects them all.
func (r *loadRun) setupChat(ctx context.Context, a *api) error {
	R, M := len(r.events), len(r.cfg.urls)
	if perPub := r.cfg.rate / float64(max(r.cfg.publishers, 1)); perPub > 1 {
		r.logf("warning: %.2f messages/s per publisher is over the server's default chat limit (1/s, bursts of 5): expect refusals", perPub)
	}
	r.final = make([]atomic64, r.cfg.publishers)
	r.clients = make([]*client, r.cfg.clients)
	for i := range r.clients {
		r.clients[i] = &client{i: i, room: i % R, instance: (i / R) % M, track: true,
			streams: make([]stream, r.cfg.publishers)}
	}
	if r.cfg.join == "invite" {
		for i, c := range r.clients {
			tok, err := a.invite(ctx, r.events[c.room], invitation{Role: "participant", Name: "Load client " + strconv.Itoa(i)})
			if err != nil {
				return fmt.Errorf("invite: %w", err)
			}
			c.token = tok
			if (i+1)%1000 == 0 {
				r.logf("%d join tokens", i+1)
			}
		}
	}
	r.connectAll(ctx, r.clients, nil)
	return ctx.Err()
}

// publishChat starts the publishers: the first P clients, each sending at
// rate/P messages per second from start (staggered) until end.
func (r *loadRun) publishChat(ctx context.Context, start, end time.Duration) *sync.WaitGroup {
	var wg sync.WaitGroup
	P := r.cfg.publishers
	if P == 0 {
		return &wg
	}
	interval := time.Duration(float64(time.Second) * float64(P) / r.cfg.rate)
	for p := range P {
		c := r.clients[p]
		if c.conn == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.publish(ctx, c.conn, start+interval*time.Duration(p)/time.Duration(P), end, interval, &r.final[p],
				func(counter uint64, sent int64) (int, []byte) {
					if r.cfg.protocol == "centrifugo" {
						return websocket.TextMessage, centrifugoPublish(r.cfg.channel, p, counter, sent)
					}
					return websocket.TextMessage, chatCommand(p, counter, sent)
				})
		}()
	}
	return &wg
}

// publish sends numbered messages on a fixed schedule from first until
// end, recording the last counter sent in final. Behind schedule (a busy
// machine), it sends at once to catch up. It is conn's only writer.
func (r *loadRun) publish(ctx context.Context, conn *websocket.Conn, first, end, interval time.Duration,
	final *atomic64, msg func(counter uint64, sent int64) (int, []byte)) {
	next := first
	for counter := uint64(1); next < end; counter++ {
		if err := sleep(ctx, next-time.Since(r.origin)); err != nil {
			return
		}
		sent := int64(time.Since(r.origin))
		typ, b := msg(counter, sent)
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := conn.WriteMessage(typ, b); err != nil {
			r.publishErrs.Add(1)
			return
		}
		final.Store(counter)
		next += interval
	}
}
