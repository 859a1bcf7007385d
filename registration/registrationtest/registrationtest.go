// Package registrationtest is the conformance suite every
// registration.Store implementation must pass (the embedded and the Redis
// store run the very same tests): form versions; capacity exact under 200
// concurrent registrations, with the waitlist in arrival order;
// concurrent cancellations promoting first come first served; one
// registration per address under concurrent attempts; conditional status
// changes; personal-link tokens; and Forget and Purge leaving nothing of
// a person in the stored bytes. It also drives registration.Service over
// the store for the refusals a registrant meets (deadline, closed form,
// forged and cancelled links).
//
// An Opener returns a fresh, empty store and a Dump of everything it
// holds; the suite closes nothing (register cleanups in the Opener).
package registrationtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/majlis/majlis/agenda"
	"github.com/majlis/majlis/registration"
)

// Dump returns every record a store holds, keyed by its name in the store
// (a Redis key, a bbolt bucket path and key), as the stored bytes.
type Dump func() map[string][]byte

// Opener returns a fresh, empty store for one test, and its Dump.
type Opener func(t *testing.T) (registration.Store, Dump)

var ctx = context.Background()

// t0 is the suite's clock: a week before the test webinar.
var t0 = time.Date(2026, 6, 24, 9, 0, 0, 0, time.UTC)

const event = "webinar-test"

// Run runs the conformance suite against stores made by o.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		run  func(t *testing.T, o Opener)
	}{
		{"form versions", testForms},
		{"capacity holds under 200 concurrent registrations, waitlist in arrival order", testCapacityRace},
		{"concurrent cancellations promote first come first served", testCancelRace},
		{"one registration per address, concurrently", testDuplicateRace},
		{"status changes are conditional", testChange},
		{"capacity grown fills the waitlist", testFillWaitlist},
		{"personal links", testTokens},
		{"forget leaves nothing of the person", testForget},
		{"purge deletes an event's registrations only", testPurge},
		{"service: a registrant's refusals", testServiceRefusals},
		{"service: concurrent registrations and cancellations", testServiceRace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, o)
		})
	}
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if target == nil && err != nil {
		t.Fatalf("%s: unexpected error %v", what, err)
	}
	if target != nil && !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// reg returns a registration of the test event numbered i.
func reg(i int) registration.Registration {
	return registration.Registration{
		ID: fmt.Sprintf("r%04d", i), Event: event, Name: fmt.Sprintf("Registrant %d", i), Language: "en",
		TokenHashes: []string{fmt.Sprintf("%064x", i)}, Created: t0,
	}
}

func fill(capacity int) registration.Fill {
	return registration.Fill{Capacity: capacity, Placed: registration.StatusApproved, At: t0}
}

// registerAll registers n registrations concurrently at capacity and
// returns each one's stored form and returned position, by ID.
func registerAll(t *testing.T, s registration.Store, n, capacity int) (map[string]registration.Registration, map[string]int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	regs, pos := map[string]registration.Registration{}, map[string]int{}
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			r, p, err := s.Register(ctx, reg(i), fill(capacity))
			if err != nil {
				t.Errorf("register %d: %v", i, err)
				return
			}
			mu.Lock()
			regs[r.ID], pos[r.ID] = r, p
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return regs, pos
}

// census checks an event's stored registrations for consistency and
// returns the Seqs of those placed and waitlisted, ascending.
func census(t *testing.T, s registration.Store) (placed, waiting []int64) {
	t.Helper()
	list, err := s.ListRegistrations(ctx, event)
	wantErr(t, "list", err, nil)
	for i, r := range list {
		if i > 0 && r.Seq <= list[i-1].Seq {
			t.Fatalf("list not in Seq order at %d: %d after %d", i, r.Seq, list[i-1].Seq)
		}
		if last := r.History[len(r.History)-1].Status; last != r.Status {
			t.Fatalf("%s: status %s, history ends with %s", r.ID, r.Status, last)
		}
		switch {
		case r.Status.HoldsPlace():
			placed = append(placed, r.Seq)
		case r.Status == registration.StatusWaitlisted:
			waiting = append(waiting, r.Seq)
		}
	}
	return placed, waiting
}

func seqs(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func testForms(t *testing.T, o Opener) {
	s, _ := o(t)
	_, err := s.GetForm(ctx, event)
	wantErr(t, "get a missing form", err, registration.ErrNotFound)
	f := registration.Form{Event: event, Open: true, Capacity: 50, Approval: registration.ApprovalAutomatic, Email: registration.EmailOptional,
		RetentionDays: 90, Start: t0.AddDate(0, 0, 7), End: t0.AddDate(0, 0, 7).Add(90 * time.Minute), TimeZone: "Europe/Brussels",
		Questions: []registration.Question{{ID: "consent", Kind: registration.KindConsent, Required: true, Label: agenda.Text{"ar": "أوافق", "en": "I agree"}}}}
	f1, err := s.PutForm(ctx, f, 0)
	wantErr(t, "create", err, nil)
	if f1.Version != 1 {
		t.Fatalf("version %d after create", f1.Version)
	}
	_, err = s.PutForm(ctx, f, 0)
	wantErr(t, "create twice", err, registration.ErrConflict)
	f1.Capacity = 60
	f2, err := s.PutForm(ctx, f1, 1)
	wantErr(t, "update", err, nil)
	_, err = s.PutForm(ctx, f1, 1)
	wantErr(t, "stale update", err, registration.ErrConflict)
	other := f
	other.Event = "a-webinar"
	_, err = s.PutForm(ctx, other, 0)
	wantErr(t, "other", err, nil)
	got, err := s.GetForm(ctx, event)
	wantErr(t, "get", err, nil)
	if f2.Version != 2 || !reflect.DeepEqual(got, f2) {
		t.Fatalf("got %+v, want %+v", got, f2)
	}
	list, err := s.ListForms(ctx)
	wantErr(t, "list", err, nil)
	if len(list) != 2 || list[0].Event != "a-webinar" || !reflect.DeepEqual(list[1], f2) {
		t.Fatalf("list %+v", list)
	}
}

func testCapacityRace(t *testing.T, o Opener) {
	s, _ := o(t)
	const n, capacity = 200, 50
	regs, pos := registerAll(t, s, n, capacity)
	placed, waiting := census(t, s)
	if !slices.Equal(placed, seqs(1, capacity)) || !slices.Equal(waiting, seqs(capacity+1, n)) {
		t.Fatalf("placed seqs %v, waitlisted seqs %v; want the first %d arrivals placed, the rest waiting", placed, waiting, capacity)
	}
	for id, r := range regs {
		want := 0
		if r.Seq > capacity {
			want = int(r.Seq) - capacity
		}
		if pos[id] != want {
			t.Fatalf("%s (seq %d, %s): position %d, want %d", id, r.Seq, r.Status, pos[id], want)
		}
		got, err := s.GetRegistration(ctx, event, id)
		wantErr(t, "get", err, nil)
		if !reflect.DeepEqual(got, r) {
			t.Fatalf("stored %+v, returned %+v", got, r)
		}
	}
}

func testCancelRace(t *testing.T, o Opener) {
	s, _ := o(t)
	const n, capacity, cancels = 120, 30, 20
	regs, _ := registerAll(t, s, n, capacity)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var promoted []int64
	for _, r := range regs {
		if r.Seq > cancels {
			continue
		}
		wg.Go(func() {
			c := registration.Change{Event: event, ID: r.ID, To: registration.StatusCancelled,
				From: []registration.Status{registration.StatusApproved, registration.StatusWaitlisted}, Fill: fill(capacity)}
			got, up, err := s.ChangeRegistration(ctx, c)
			if err != nil || got.Status != registration.StatusCancelled {
				t.Errorf("cancel %s: %v %+v", r.ID, err, got)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range up {
				if p.Status != registration.StatusApproved {
					t.Errorf("promoted %s is %s", p.ID, p.Status)
				}
				promoted = append(promoted, p.Seq)
			}
		})
	}
	wg.Wait()
	sort.Slice(promoted, func(i, j int) bool { return promoted[i] < promoted[j] })
	if !slices.Equal(promoted, seqs(capacity+1, capacity+cancels)) {
		t.Fatalf("promoted seqs %v, want the first %d waitlisted", promoted, cancels)
	}
	placed, waiting := census(t, s)
	if len(placed) != capacity || !slices.Equal(waiting, seqs(capacity+cancels+1, n)) {
		t.Fatalf("after cancels: %d placed, waiting %v", len(placed), waiting)
	}
	// A waitlisted registrant leaving frees no place: nobody moves up.
	var last registration.Registration
	for _, r := range regs {
		if r.Seq == n {
			last = r
		}
	}
	c := registration.Change{Event: event, ID: last.ID, To: registration.StatusDeclined, Message: "no",
		From: []registration.Status{registration.StatusWaitlisted}, Fill: fill(capacity)}
	_, up, err := s.ChangeRegistration(ctx, c)
	wantErr(t, "decline waitlisted", err, nil)
	if len(up) != 0 {
		t.Fatalf("declining a waitlisted registrant promoted %d", len(up))
	}
}

func testDuplicateRace(t *testing.T, o Opener) {
	s, _ := o(t)
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var won []string
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			r := reg(i)
			r.Email, r.EmailKey = "amina@example.org", "key-amina"
			_, _, err := s.Register(ctx, r, fill(0))
			switch {
			case err == nil:
				mu.Lock()
				won = append(won, r.ID)
				mu.Unlock()
			case !errors.Is(err, registration.ErrDuplicate):
				t.Errorf("register %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d registrations for one address, want 1", len(won))
	}
	list, _ := s.ListRegistrations(ctx, event)
	if len(list) != 1 {
		t.Fatalf("%d stored after refusals, want 1", len(list))
	}
	other := reg(100)
	other.EmailKey = "key-other"
	_, _, err := s.Register(ctx, other, fill(0))
	wantErr(t, "another address", err, nil)
	// Cancelled: the address may register again (at the back of the line).
	_, _, err = s.ChangeRegistration(ctx, registration.Change{Event: event, ID: won[0], To: registration.StatusCancelled,
		From: []registration.Status{registration.StatusApproved}, Fill: fill(0)})
	wantErr(t, "cancel", err, nil)
	again := reg(200)
	again.EmailKey = "key-amina"
	_, _, err = s.Register(ctx, again, fill(0))
	wantErr(t, "register after cancelling", err, nil)
	// Declined: the address stays taken.
	_, _, err = s.ChangeRegistration(ctx, registration.Change{Event: event, ID: again.ID, To: registration.StatusDeclined,
		From: []registration.Status{registration.StatusApproved}, Fill: fill(0)})
	wantErr(t, "decline", err, nil)
	third := reg(300)
	third.EmailKey = "key-amina"
	_, _, err = s.Register(ctx, third, fill(0))
	wantErr(t, "register after a decline", err, registration.ErrDuplicate)
	_, _, err = s.Register(ctx, reg(100), fill(0))
	wantErr(t, "same id", err, registration.ErrConflict)
}

func testChange(t *testing.T, o Opener) {
	s, _ := o(t)
	manual := registration.Fill{Capacity: 1, Placed: registration.StatusPending, At: t0}
	a, pos, err := s.Register(ctx, reg(1), manual)
	wantErr(t, "register", err, nil)
	if a.Status != registration.StatusPending || pos != 0 || a.Seq != 1 {
		t.Fatalf("first: %s at %d, seq %d", a.Status, pos, a.Seq)
	}
	b, pos, err := s.Register(ctx, reg(2), manual)
	wantErr(t, "register", err, nil)
	if b.Status != registration.StatusWaitlisted || pos != 1 {
		t.Fatalf("second: %s at %d", b.Status, pos)
	}
	_, _, err = s.ChangeRegistration(ctx, registration.Change{Event: event, ID: "nobody", To: registration.StatusApproved,
		From: []registration.Status{registration.StatusPending}, Fill: manual})
	wantErr(t, "missing", err, registration.ErrNotFound)
	_, _, err = s.ChangeRegistration(ctx, registration.Change{Event: event, ID: b.ID, To: registration.StatusApproved,
		From: []registration.Status{registration.StatusPending}, Fill: manual})
	wantErr(t, "approve a waitlisted one", err, registration.ErrState)
	later := t0.Add(time.Hour)
	manual.At = later
	got, up, err := s.ChangeRegistration(ctx, registration.Change{Event: event, ID: a.ID, To: registration.StatusDeclined, Message: "Full room, sorry.",
		From: []registration.Status{registration.StatusPending}, Fill: manual})
	wantErr(t, "decline", err, nil)
	if got.Message != "Full room, sorry." || got.Status != registration.StatusDeclined || len(got.History) != 2 || !got.History[1].At.Equal(later) {
		t.Fatalf("declined: %+v", got)
	}
	if len(up) != 1 || up[0].ID != b.ID || up[0].Status != registration.StatusPending || !up[0].History[1].At.Equal(later) {
		t.Fatalf("promoted: %+v", up)
	}
	_, _, err = s.ChangeRegistration(ctx, registration.Change{Event: event, ID: a.ID, To: registration.StatusCancelled,
		From: []registration.Status{registration.StatusPending, registration.StatusApproved}, Fill: manual})
	wantErr(t, "cancel a declined one", err, registration.ErrState)
	stored, _ := s.GetRegistration(ctx, event, a.ID)
	if !reflect.DeepEqual(stored, got) {
		t.Fatalf("a refused change changed %+v into %+v", got, stored)
	}
}

func testFillWaitlist(t *testing.T, o Opener) {
	s, _ := o(t)
	registerAll(t, s, 10, 4)
	up, err := s.FillWaitlist(ctx, event, registration.Fill{Capacity: 7})
	wantErr(t, "fill without a status", err, nil)
	if len(up) != 0 {
		t.Fatalf("a zero Placed promoted %d", len(up))
	}
	up, err = s.FillWaitlist(ctx, event, fill(7))
	wantErr(t, "fill", err, nil)
	if len(up) != 3 || up[0].Seq != 5 || up[2].Seq != 7 {
		t.Fatalf("promoted %+v", up)
	}
	up, err = s.FillWaitlist(ctx, event, fill(0))
	wantErr(t, "fill unlimited", err, nil)
	if len(up) != 3 {
		t.Fatalf("no limit promoted %d, want 3", len(up))
	}
	placed, waiting := census(t, s)
	if len(placed) != 10 || len(waiting) != 0 {
		t.Fatalf("%d placed, %d waiting", len(placed), len(waiting))
	}
}

func testTokens(t *testing.T, o Opener) {
	s, _ := o(t)
	r := reg(1)
	_, _, err := s.Register(ctx, r, fill(0))
	wantErr(t, "register", err, nil)
	got, err := s.RegistrationByToken(ctx, r.TokenHashes[0])
	wantErr(t, "by token", err, nil)
	if got.ID != r.ID {
		t.Fatalf("token found %s", got.ID)
	}
	_, err = s.RegistrationByToken(ctx, fmt.Sprintf("%064x", 999))
	wantErr(t, "forged", err, registration.ErrNotFound)
	for i := range 3 {
		wantErr(t, "add token", s.AddToken(ctx, event, r.ID, fmt.Sprintf("%063xa", i), 3), nil)
	}
	_, err = s.RegistrationByToken(ctx, r.TokenHashes[0])
	wantErr(t, "the oldest link, dropped", err, registration.ErrNotFound)
	got, err = s.RegistrationByToken(ctx, fmt.Sprintf("%063xa", 2))
	wantErr(t, "the newest link", err, nil)
	if len(got.TokenHashes) != 3 || got.TokenHashes[0] != fmt.Sprintf("%063xa", 0) {
		t.Fatalf("tokens %v", got.TokenHashes)
	}
	wantErr(t, "add to nobody", s.AddToken(ctx, event, "nobody", "x", 3), registration.ErrNotFound)
}

// traces are the strings that identify registrant i in stored bytes.
func traces(r registration.Registration) []string {
	out := []string{r.ID, r.Name, r.Email, r.EmailKey}
	out = append(out, r.TokenHashes...)
	for _, a := range r.Answers {
		if a.Text != "" {
			out = append(out, a.Text)
		}
	}
	return out
}

func assertGone(t *testing.T, dump Dump, r registration.Registration) {
	t.Helper()
	for k, v := range dump() {
		for _, tr := range traces(r) {
			if tr == "" {
				continue
			}
			if bytes.Contains([]byte(k), []byte(tr)) || bytes.Contains(v, []byte(tr)) {
				t.Fatalf("record %q still holds %q of a forgotten registration: %s", k, tr, v)
			}
		}
	}
}

func person(i int) registration.Registration {
	r := reg(i)
	r.Name = fmt.Sprintf("Nour Haddad %d", i)
	r.Email = fmt.Sprintf("nour.%d@example.org", i)
	r.EmailKey = fmt.Sprintf("emailkey-%d", i)
	r.Answers = map[string]registration.Answer{"org": {Text: fmt.Sprintf("Defenders Network %d", i)}}
	r.TokenHashes = []string{fmt.Sprintf("%064x", 7000+i)}
	return r
}

func testForget(t *testing.T, o Opener) {
	s, dump := o(t)
	a := person(1)
	_, _, err := s.Register(ctx, a, fill(1))
	wantErr(t, "register", err, nil)
	wantErr(t, "add token", s.AddToken(ctx, event, a.ID, fmt.Sprintf("%064x", 8001), registration.MaxTokens), nil)
	a.TokenHashes = append(a.TokenHashes, fmt.Sprintf("%064x", 8001))
	b := person(2)
	_, _, err = s.Register(ctx, b, fill(1))
	wantErr(t, "register", err, nil)
	up, err := s.ForgetRegistration(ctx, event, a.ID, fill(1))
	wantErr(t, "forget", err, nil)
	if len(up) != 1 || up[0].ID != b.ID {
		t.Fatalf("forgetting a placed registrant promoted %+v", up)
	}
	assertGone(t, dump, a)
	_, err = s.GetRegistration(ctx, event, a.ID)
	wantErr(t, "get a forgotten one", err, registration.ErrNotFound)
	_, err = s.RegistrationByToken(ctx, a.TokenHashes[1])
	wantErr(t, "a forgotten one's link", err, registration.ErrNotFound)
	again := person(3)
	again.EmailKey = a.EmailKey
	_, _, err = s.Register(ctx, again, fill(0))
	wantErr(t, "the forgotten address registers again", err, nil)
	_, err = s.ForgetRegistration(ctx, event, a.ID, fill(1))
	wantErr(t, "forget twice", err, registration.ErrNotFound)
	got, _ := s.GetRegistration(ctx, event, b.ID)
	if got.Name != b.Name {
		t.Fatalf("forget touched another registration: %+v", got)
	}
}

func testPurge(t *testing.T, o Opener) {
	s, dump := o(t)
	var gone []registration.Registration
	for i := 1; i <= 5; i++ {
		r := person(i)
		_, _, err := s.Register(ctx, r, fill(2))
		wantErr(t, "register", err, nil)
		gone = append(gone, r)
	}
	keep := person(9)
	keep.Event = "another-webinar"
	_, _, err := s.Register(ctx, keep, fill(0))
	wantErr(t, "register elsewhere", err, nil)
	n, err := s.PurgeRegistrations(ctx, event)
	wantErr(t, "purge", err, nil)
	if n != 5 {
		t.Fatalf("purged %d, want 5", n)
	}
	for _, r := range gone {
		assertGone(t, dump, r)
	}
	list, _ := s.ListRegistrations(ctx, "another-webinar")
	if len(list) != 1 || list[0].Name != keep.Name {
		t.Fatalf("purge touched another event: %+v", list)
	}
	n, err = s.PurgeRegistrations(ctx, event)
	wantErr(t, "purge again", err, nil)
	if n != 0 {
		t.Fatalf("second purge deleted %d", n)
	}
}

// clock is a settable clock for the Service.
type clock struct {
	mu  sync.Mutex // mu guards now
	now time.Time
}

// Now returns the clock's time.
func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// Webinar is the suite's agenda event: a 90-minute webinar a week after t0.
var Webinar = agenda.Event{ID: event, Kind: agenda.KindWebinar, Title: agenda.Text{"en": "Civic space", "ar": "الفضاء المدني"},
	Start: t0.AddDate(0, 0, 7), End: t0.AddDate(0, 0, 7).Add(90 * time.Minute), TimeZone: "Europe/Brussels"}

// Form is a small open form for the suite's webinar.
func Form(capacity int, approval registration.Approval) registration.Form {
	return registration.Form{Open: true, Capacity: capacity, Approval: approval, Pseudonyms: true,
		Questions: []registration.Question{
			{ID: "org", Kind: registration.KindText, Label: agenda.Text{"en": "Organisation", "ar": "المؤسسة"}},
			{ID: "consent", Kind: registration.KindConsent, Label: agenda.Text{"en": "I agree that my name is shown to the organizers.", "ar": "أوافق على أن يطّلع المنظمون على اسمي."}},
		}}
}

// Request is a valid registration request numbered i, in French.
func Request(i int) registration.Request {
	return registration.Request{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i), Language: "fr",
		Answers: map[string]registration.Answer{"consent": {Consent: true}}}
}

func testServiceRefusals(t *testing.T, o Opener) {
	s, dump := o(t)
	c := &clock{now: t0}
	svc := registration.New(registration.Config{Now: c.Now}, s)
	_, _, err := svc.Register(ctx, event, Request(1))
	wantErr(t, "no form", err, registration.ErrNotFound)
	f := Form(2, registration.ApprovalAutomatic)
	f.Open = false
	f.Deadline = Webinar.Start
	f, _, err = svc.PutForm(ctx, Webinar, f, 0)
	wantErr(t, "put form", err, nil)
	_, _, err = svc.Register(ctx, event, Request(1))
	wantErr(t, "closed form", err, registration.ErrClosed)
	f.Open = true
	f, _, err = svc.PutForm(ctx, Webinar, f, f.Version)
	wantErr(t, "open form", err, nil)

	_, rc, err := svc.Register(ctx, event, Request(1))
	wantErr(t, "register", err, nil)
	dup := Request(1)
	dup.Email = "P1@Example.org"
	_, _, err = svc.Register(ctx, event, dup)
	wantErr(t, "same address, other case", err, registration.ErrDuplicate)

	pg, err := svc.PageOf(ctx, rc.Token)
	wantErr(t, "page", err, nil)
	if pg.Registration.Status != registration.StatusApproved || !pg.CanJoin {
		t.Fatalf("page %+v", pg)
	}
	for _, forged := range []string{"", "mjr_", rc.Token[:len(rc.Token)-1] + "A", rc.Token + "x", "mjr_" + string(bytes.Repeat([]byte("A"), 43))} {
		if forged == rc.Token {
			continue
		}
		_, err = svc.PageOf(ctx, forged)
		wantErr(t, "forged link "+forged, err, registration.ErrForgedToken)
		_, _, err = svc.Cancel(ctx, forged)
		wantErr(t, "cancel by a forged link", err, registration.ErrForgedToken)
	}
	_, _, err = svc.Cancel(ctx, rc.Token)
	wantErr(t, "cancel", err, nil)
	_, err = svc.PageOf(ctx, rc.Token)
	wantErr(t, "a cancelled link", err, registration.ErrCancelled)
	_, _, err = svc.Cancel(ctx, rc.Token)
	wantErr(t, "cancel twice", err, registration.ErrCancelled)

	before := dump()
	c.Set(Webinar.Start)
	_, _, err = svc.Register(ctx, event, Request(2))
	wantErr(t, "after the deadline", err, registration.ErrDeadline)
	bad := Request(3)
	c.Set(t0)
	bad.Answers["diet"] = registration.Answer{Text: "none"}
	_, _, err = svc.Register(ctx, event, bad)
	wantErr(t, "an answer the form does not ask", err, registration.ErrInvalid)
	if after := dump(); !reflect.DeepEqual(before, after) {
		t.Fatalf("refusals stored something")
	}
}

func testServiceRace(t *testing.T, o Opener) {
	s, _ := o(t)
	svc := registration.New(registration.Config{Now: (&clock{now: t0}).Now}, s)
	_, _, err := svc.PutForm(ctx, Webinar, Form(50, registration.ApprovalManual), 0)
	wantErr(t, "put form", err, nil)
	const n = 200
	var wg sync.WaitGroup
	var mu sync.Mutex
	tokens := map[int64]string{}
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			r, rc, err := svc.Register(ctx, event, Request(i))
			if err != nil {
				t.Errorf("register %d: %v", i, err)
				return
			}
			mu.Lock()
			tokens[r.Seq] = rc.Token
			mu.Unlock()
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	list, err := svc.List(ctx, event, registration.Filter{Statuses: []registration.Status{registration.StatusPending}})
	wantErr(t, "list", err, nil)
	if len(list) != 50 || list[49].Seq != 50 {
		t.Fatalf("%d pending, want the first 50 arrivals", len(list))
	}
	pg, err := svc.PageOf(ctx, tokens[n])
	wantErr(t, "page", err, nil)
	if pg.Position != n-50 {
		t.Fatalf("the last arrival is at position %d, want %d", pg.Position, n-50)
	}
	var got []int64
	for seq := int64(1); seq <= 10; seq++ {
		wg.Go(func() {
			_, up, err := svc.Cancel(ctx, tokens[seq])
			if err != nil || len(up) != 1 || up[0].Status != registration.StatusPending {
				t.Errorf("cancel %d: %v %+v", seq, err, up)
				return
			}
			mu.Lock()
			got = append(got, up[0].Seq)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if !slices.Equal(got, seqs(51, 60)) {
		t.Fatalf("promoted %v, want seqs 51…60", got)
	}
	pg, err = svc.PageOf(ctx, tokens[n])
	wantErr(t, "page", err, nil)
	if pg.Position != n-60 {
		t.Fatalf("the last arrival is at position %d, want %d", pg.Position, n-60)
	}
}
