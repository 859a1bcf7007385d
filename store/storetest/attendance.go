package storetest

import (
	"testing"

	"github.com/majlis/majlis/attendance"
	"github.com/majlis/majlis/attendance/attendancetest"
)

// testAttendance runs attendance's own conformance suite (attendance.Store)
// on the store.
func testAttendance(t *testing.T, o Opener) {
	attendancetest.Run(t, func(t *testing.T) attendance.Store { return open(t, o) })
}
