package registration_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/majlis/majlis/registration"
	"github.com/majlis/majlis/registration/registrationtest"
)

// webinarSize is the webinar: 2,000 registrants; the store is
// renewed after each 2,000 so that every op runs against a realistic
// event (the test store scans an event's records on every Register).
const webinarSize = 2000

// BenchmarkRegisterAtCapacity measures Service.Register (validation, a
// token, the store's atomic capacity check and insert) on a webinar of
// capacity 500: a quarter of the ops get a place, the rest the waitlist.
func BenchmarkRegisterAtCapacity(b *testing.B) {
	b.ReportAllocs()
	var svc *registration.Service
	for i := range b.N {
		if i%webinarSize == 0 {
			b.StopTimer()
			svc, _ = service(b, registrationtest.Form(webinarSize/4, registration.ApprovalAutomatic))
			b.StartTimer()
		}
		if _, _, err := svc.Register(ctx, registrationtest.Webinar.ID, registrationtest.Request(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegisterParallel is BenchmarkRegisterAtCapacity from
// GOMAXPROCS goroutines at once, on one webinar of capacity 50.
func BenchmarkRegisterParallel(b *testing.B) {
	b.ReportAllocs()
	svc, _ := service(b, registrationtest.Form(50, registration.ApprovalAutomatic))
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			req := registrationtest.Request(int(i))
			req.Email = fmt.Sprintf("p%d@example.org", i)
			if _, _, err := svc.Register(ctx, registrationtest.Webinar.ID, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
