-- Replaces an event: {'ok', new version}, {'notfound', 'event'}, or
-- {'conflict', stored version, 'event'}.
local ev = {
  events = KEYS[1],          -- hash: event ID → event JSON
  start = KEYS[2],           -- sorted set: revision .. ID by start
  maxdur = KEYS[3],          -- string: the longest duration (seconds)
  rev = KEYS[4],             -- hash: event ID → revision
}
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to replace, 0 for any
local event = ARGV[3]        -- the event JSON, without a version
local start = ARGV[4]        -- its start (Unix seconds, floored)
local dur = ARGV[5]          -- its duration (seconds, rounded up)
local rev = ARGV[6]          -- its new revision

local cur = version(redis.call('HGET', ev.events, id))
if cur == 0 then return {'notfound', 'event'} end
if want ~= 0 and want ~= cur then return {'conflict', cur, 'event'} end
put_event(ev, id, cur + 1, event, start, dur, rev)
return {'ok', cur + 1}
