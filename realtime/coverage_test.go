package realtime

import (
	"strconv"
	"testing"

	"github.com/majlis/majlis/interpretation"
)

// BenchmarkCoverageChange measures what coverage adds to each change of a
// room's set-up (a join, a leave, a channel switch), which every instance
// runs: closing the open segment and counting the listeners of a room of
// 1,000 members in four languages.
func BenchmarkCoverageChange(b *testing.B) {
	langs := []string{"ar", "en", "fr", "es"}
	members := map[string]Member{}
	for i := range 1000 {
		id := "m-" + strconv.Itoa(i)
		members[id] = Member{ID: id, Role: RoleParticipant, Channel: append(langs, interpretation.Floor)[i%5]}
	}
	st := State{Agenda: Progress{Current: "it-1"}, Interp: Interp{Booths: map[string]*interpretation.Booth{
		"fr": {Language: "fr", Live: "m-1"}}}}
	var cov Coverage
	b.ReportAllocs()
	at := int64(0)
	for b.Loop() {
		at += 1000
		cov.account(at)
		cov.mark(at, st, members, langs)
	}
}
