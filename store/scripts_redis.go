package store

import (
	"embed"

	"github.com/redis/go-redis/v9"
)

// The Redis store's scripts are the files in lua/. Each names its KEYS and
// ARGV at the top, and its caller passes them in that order, one per line.
// lua/lib.lua holds the functions several scripts share (version, stamp,
// put_event…); it is put in front of every script, so that each one Redis
// runs is whole, and it reads no KEYS or ARGV itself.
//
// Write scripts reply {status, …}: {"ok", version}, {"conflict", stored
// version, what}, {"notfound", what}, {"exists"} or {"exists", "token"}
// (see run).
var (
	scriptCreateEvent      = luaScript("event_create")
	scriptUpdateEvent      = luaScript("event_update")
	scriptDeleteEvent      = luaScript("event_delete")
	scriptPutAgenda        = luaScript("agenda_put")
	scriptListRevs         = luaScript("events_revs")
	scriptEventsAt         = luaScript("events_at")
	scriptListAll          = luaScript("events_all")
	scriptPutVersioned     = luaScript("versioned_put")
	scriptIndexedCreate    = luaScript("indexed_create")
	scriptSwap             = luaScript("swap")
	scriptOrganizerByToken = luaScript("organizer_by_token")
	scriptDeleteSource     = luaScript("source_delete")
	scriptLease            = luaScript("lease")
	scriptRateTake         = luaScript("rate_take")
	// Live captions (caption_redis.go).
	scriptCaptionTokenCreate = luaScript("caption_token_create")
	scriptCaptionAppend      = luaScript("caption_append")
	scriptCaptionDelete      = luaScript("caption_delete")
	// Registrations (registration_redis.go).
	scriptRegRegister = luaScript("registration_register")
	scriptRegChange   = luaScript("registration_change")
	scriptRegFill     = luaScript("registration_fill")
	scriptRegToken    = luaScript("registration_token")
	scriptRegForget   = luaScript("registration_forget")
	scriptRegFormPut  = luaScript("registration_form_put")
	// Attendance (attendance_redis.go).
	scriptAttendanceRecord = luaScript("attendance_record")
	scriptAttendanceForget = luaScript("attendance_forget")
	// The general assembly's (assembly_redis.go).
	scriptPutDoc     = luaScript("doc_put")
	scriptDeleteDoc  = luaScript("doc_delete")
	scriptCastSecret = luaScript("ballot_cast_secret")
	scriptCastNamed  = luaScript("ballot_cast_named")
	// Polls (poll_redis.go).
	scriptPollAnswer = luaScript("poll_answer")
	scriptPollClose  = luaScript("poll_close")
)

//go:embed lua/*.lua
var luaFiles embed.FS

// luaScript returns the script lua/<name>.lua with lua/lib.lua in front.
func luaScript(name string) *redis.Script {
	lib, err := luaFiles.ReadFile("lua/lib.lua")
	if err != nil {
		panic("store: " + err.Error())
	}
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("store: " + err.Error())
	}
	return redis.NewScript(string(lib) + "\n" + string(src))
}
