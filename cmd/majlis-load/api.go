package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// api calls one majlis instance's JSON API as an organizer.
type api struct {
	base  string
	token string
	src   *sources
	// calls counts requests, to move to the next source address every
	// apiPerAddr calls (the API allows bursts of 100 per address).
	calls   int
	clients map[int]*http.Client
}

const apiPerAddr = 80

// apiSourceBase keeps the API's source addresses (127.11.x.y) apart from
// the clients' (127.10.x.y).
const apiSourceBase = 250 * 250

func (a *api) client() *http.Client {
	slot := a.calls / apiPerAddr
	a.calls++
	if a.clients == nil {
		a.clients = map[int]*http.Client{}
	}
	c, ok := a.clients[slot]
	if !ok {
		c = httpClient(a.src.nth(apiSourceBase + slot))
		a.clients[slot] = c
	}
	return c
}

// do sends body as JSON and decodes the answer into out; a status other
// than want is an error carrying the server's error body.
func (a *api) do(ctx context.Context, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.client().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// Languages every event of a run is interpreted into.
var languages = []string{"ar", "en", "fr", "es"}

// createEvent creates a public, published webinar running now, with
// interpretation, and returns its ID.
func (a *api) createEvent(ctx context.Context, i int) (string, error) {
	start := time.Now().UTC().Truncate(time.Minute).Add(-10 * time.Minute)
	body := map[string]any{
		"kind": "webinar", "status": "published", "visibility": "public", "region": "global",
		"timezone": "Europe/Zurich", "languages": languages,
		"title": map[string]string{
			"en": fmt.Sprintf("Load test room %d", i), "fr": fmt.Sprintf("Salle d'essai de charge %d", i),
			"es": fmt.Sprintf("Sala de prueba de carga %d", i), "ar": fmt.Sprintf("غرفة اختبار الحمل %d", i),
		},
		"start": start.Format(time.RFC3339), "end": start.Add(4 * time.Hour).Format(time.RFC3339),
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := a.do(ctx, "POST", "/api/v1/events", body, &out, http.StatusCreated); err != nil {
		return "", err
	}
	return out.ID, nil
}

// invitation is the body of POST /api/v1/events/{id}/invites.
type invitation struct {
	Role      string   `json:"role"`
	Name      string   `json:"name"`
	Languages []string `json:"languages,omitempty"`
	Booth     string   `json:"booth,omitempty"`
}

// invite creates a join token.
func (a *api) invite(ctx context.Context, event string, inv invitation) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	if err := a.do(ctx, "POST", "/api/v1/events/"+url.PathEscape(event)+"/invites", inv, &out, http.StatusCreated); err != nil {
		return "", err
	}
	return out.Token, nil
}

// serverFigures is the part of GET /debug/metrics a run reports.
type serverFigures struct {
	Time    time.Time `json:"time"`
	Process struct {
		RSS        int64   `json:"rss_bytes"`
		OpenFiles  int     `json:"open_files"`
		CPUSeconds float64 `json:"cpu_seconds"`
	} `json:"process"`
	Go struct {
		Goroutines int    `json:"goroutines"`
		HeapInuse  uint64 `json:"heap_inuse_bytes"`
	} `json:"go"`
	Rooms struct {
		Rooms     int `json:"rooms"`
		Clients   int `json:"clients"`
		Delivered struct {
			Text  uint64 `json:"text"`
			Audio uint64 `json:"audio"`
		} `json:"delivered"`
		Writes uint64 `json:"writes"`
	} `json:"rooms"`
}

// metrics reads /debug/metrics from an instance's debug listener (base).
func metrics(ctx context.Context, c *http.Client, base string) (serverFigures, error) {
	var f serverFigures
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/debug/metrics", nil)
	if err != nil {
		return f, err
	}
	res, err := c.Do(req)
	if err != nil {
		return f, fmt.Errorf("metrics %s: %w", base, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return f, fmt.Errorf("metrics %s: %d", base, res.StatusCode)
	}
	return f, json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&f)
}
