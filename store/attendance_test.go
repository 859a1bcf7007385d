package store_test

import (
	"path/filepath"
	"testing"

	"github.com/majlis/majlis/attendance"
	"github.com/majlis/majlis/attendance/attendancetest"
	"github.com/majlis/majlis/store"
)

// TestBoltAttendanceReopen: visits and beats are there after a restart.
func TestBoltAttendanceReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "majlis.db")
	s := openBolt(t, path)
	attendancetest.RunReopen(t, s, func() { s.Close() }, func() attendance.Store {
		s2 := openBolt(t, path)
		t.Cleanup(func() { s2.Close() })
		return s2
	})
}

// TestRedisAttendanceReopen: the same on Redis, through a new client.
func TestRedisAttendanceReopen(t *testing.T) {
	url, prefix := redisServer.Get(t).URL(), newPrefix()
	s := openRedis(t, url, store.RedisConfig{Prefix: prefix})
	attendancetest.RunReopen(t, s, func() { s.Close() }, func() attendance.Store {
		return openRedis(t, url, store.RedisConfig{Prefix: prefix})
	})
}
