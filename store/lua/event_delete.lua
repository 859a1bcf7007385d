-- Deletes an event and its agenda: {'ok', 0}, {'notfound', 'event'}, or
-- {'conflict', stored version, 'event'}.
local ev = {
  events = KEYS[1],          -- hash: event ID → event JSON
  start = KEYS[2],           -- sorted set: revision .. ID by start
  maxdur = KEYS[3],          -- string: the longest duration (seconds)
  rev = KEYS[4],             -- hash: event ID → revision
}
local agendas_key = KEYS[5]  -- hash: event ID → agenda JSON
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to delete, 0 for any

local cur = version(redis.call('HGET', ev.events, id))
if cur == 0 then return {'notfound', 'event'} end
if want ~= 0 and want ~= cur then return {'conflict', cur, 'event'} end
unindex(ev, id)
redis.call('HDEL', ev.events, id)
redis.call('HDEL', ev.rev, id)
redis.call('HDEL', agendas_key, id)
return {'ok', 0}
