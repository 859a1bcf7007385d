-- Creates an event and its agenda, both at version 1: {'ok', 1}, or
-- {'exists'} when the ID is taken.
local ev = {
  events = KEYS[1],          -- hash: event ID → event JSON
  start = KEYS[2],           -- sorted set: revision .. ID by start
  maxdur = KEYS[3],          -- string: the longest duration (seconds)
  rev = KEYS[4],             -- hash: event ID → revision
}
local agendas_key = KEYS[5]  -- hash: event ID → agenda JSON
local id = ARGV[1]
local event = ARGV[2]        -- the event JSON, without a version
local start = ARGV[3]        -- its start (Unix seconds, floored)
local dur = ARGV[4]          -- its duration (seconds, rounded up)
local rev = ARGV[5]          -- its new revision
local agenda = ARGV[6]       -- the agenda JSON, without a version

if redis.call('HEXISTS', ev.events, id) == 1 then return {'exists'} end
put_event(ev, id, 1, event, start, dur, rev)
redis.call('HSET', agendas_key, id, stamp(1, agenda))
return {'ok', 1}
