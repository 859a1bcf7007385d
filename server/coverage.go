package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/internal/usertext"
	"github.com/majlis/majlis/realtime"
)

// coverageReport is the body of GET /api/v1/events/{id}/coverage.
type coverageReport struct {
	Event string `json:"event"`
	// Generated is when the report was made; the figures run until then.
	Generated string `json:"generated"`
	// Language is the language of the item titles.
	Language string         `json:"language"`
	Items    []coverageItem `json:"items"`
}

type coverageItem struct {
	// Item is the agenda item's ID, "" for the time outside items.
	Item  string `json:"item"`
	Title string `json:"title"`
	// Start and End bound the time accounted under the item (UTC).
	Start    string            `json:"start"`
	End      string            `json:"end"`
	Seconds  float64           `json:"seconds"`
	Channels []coverageChannel `json:"channels"`
}

type coverageChannel struct {
	Channel     string  `json:"channel"`
	LiveSeconds float64 `json:"live_seconds"`
	// ListenerSeconds adds up each listener's time on the channel.
	ListenerSeconds  float64 `json:"listener_seconds"`
	AverageListeners float64 `json:"average_listeners"`
	PeakListeners    int     `json:"peak_listeners"`
}

// coverage answers GET /api/v1/events/{id}/coverage: per agenda item and
// channel, how long the channel was live and how many listened. For
// organizers who may see the event; JSON, or CSV with ?format=csv or
// Accept: text/csv.
func (s *Server) coverage(c echo.Context) error {
	if _, err := requireOrganizer(c); err != nil {
		return err
	}
	for name := range c.QueryParams() {
		if name != "format" && name != "lang" {
			return badRequest("unknown_parameter", name, fmt.Sprintf("unknown query parameter %q (known: format, lang)", clip(name)))
		}
	}
	asCSV := strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
	switch f := c.QueryParam("format"); f {
	case "":
	case "csv":
		asCSV = true
	case "json":
		asCSV = false
	default:
		return badRequest("invalid", "format", "must be json or csv")
	}
	lang := c.QueryParam("lang")
	if lang == "" {
		lang = "en"
	} else if !slices.Contains(s.langs, lang) {
		return badRequest("invalid", "lang", "must be one of "+strings.Join(s.langs, ", "))
	}
	e, err := s.visibleEvent(c)
	if err != nil {
		return err
	}
	rep, err := s.coverageOf(c.Request().Context(), e, lang)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	if !asCSV {
		return c.JSON(http.StatusOK, rep)
	}
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", coverageCSV(rep))
}

// coverageOf builds the coverage report of e, item titles in lang: the
// API's and the organizer app's.
func (s *Server) coverageOf(ctx context.Context, e agenda.Event, lang string) (coverageReport, error) {
	cov, err := s.rooms.Coverage(ctx, e.ID)
	if err != nil && !errors.Is(err, realtime.ErrNoRoom) {
		return coverageReport{}, err
	}
	a, err := s.store.GetAgenda(ctx, e.ID)
	if err != nil && !errors.Is(err, agenda.ErrNotFound) {
		return coverageReport{}, err
	}
	titles := map[string]agenda.Text{}
	a, _ = a.Published() // the items the room ran
	for _, it := range a.Items {
		titles[it.ID] = it.Title
	}
	rep := coverageReport{Event: e.ID, Generated: s.cfg.Now().UTC().Format(time.RFC3339), Language: lang, Items: []coverageItem{}}
	for _, it := range cov.Items {
		ci := coverageItem{Item: it.Item, Start: millisUTC(it.First), End: millisUTC(it.Last),
			Seconds: seconds(it.Millis), Channels: []coverageChannel{}}
		ci.Title, _ = titles[it.Item].In(lang)
		for _, ch := range it.Channels {
			cc := coverageChannel{Channel: ch.Channel, LiveSeconds: seconds(ch.LiveMillis),
				ListenerSeconds: seconds(ch.ListenerMillis), PeakListeners: ch.Peak}
			if it.Millis > 0 {
				cc.AverageListeners = math.Round(float64(ch.ListenerMillis)/float64(it.Millis)*100) / 100
			}
			ci.Channels = append(ci.Channels, cc)
		}
		rep.Items = append(rep.Items, ci)
	}
	return rep, nil
}

// coverageCSV writes one row per item and channel, with a header row.
func coverageCSV(rep coverageReport) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"item", "title", "start", "end", "seconds", "channel",
		"live_seconds", "listener_seconds", "average_listeners", "peak_listeners"})
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	for _, it := range rep.Items {
		for _, ch := range it.Channels {
			_ = w.Write([]string{it.Item, csvSafe(it.Title), it.Start, it.End, num(it.Seconds), ch.Channel,
				num(ch.LiveSeconds), num(ch.ListenerSeconds), num(ch.AverageListeners), strconv.Itoa(ch.PeakListeners)})
		}
	}
	w.Flush()
	return buf.Bytes()
}

// csvSafe keeps a spreadsheet from reading user text as a formula.
func csvSafe(s string) string { return usertext.CSVCell(s) }

func millisUTC(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

func seconds(ms int64) float64 { return float64(ms) / 1000 }
