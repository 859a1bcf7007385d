-- Replaces an agenda, and with it its event if with_event is '1', both or
-- neither: {'ok', new agenda version}, {'notfound', 'agenda' or 'event'},
-- or {'conflict', stored version, 'agenda' or 'event'}.
local ev = {
  events = KEYS[1],          -- hash: event ID → event JSON
  start = KEYS[2],           -- sorted set: revision .. ID by start
  maxdur = KEYS[3],          -- string: the longest duration (seconds)
  rev = KEYS[4],             -- hash: event ID → revision
}
local agendas_key = KEYS[5]  -- hash: event ID → agenda JSON
local id = ARGV[1]           -- the event's ID
local want = tonumber(ARGV[2]) -- the agenda version to replace, 0 for any
local agenda = ARGV[3]       -- the agenda JSON, without a version
local with_event = ARGV[4]   -- '1': write the event too; '0': ARGV 5 to 9 are unused
local event_want = tonumber(ARGV[5]) -- the event version to replace, 0 for any
local event = ARGV[6]        -- the event JSON, without a version
local start = ARGV[7]        -- its start (Unix seconds, floored)
local dur = ARGV[8]          -- its duration (seconds, rounded up)
local rev = ARGV[9]          -- its new revision

local cur = version(redis.call('HGET', agendas_key, id))
if cur == 0 then return {'notfound', 'agenda'} end
if want ~= 0 and want ~= cur then return {'conflict', cur, 'agenda'} end
if with_event == '1' then
  local ecur = version(redis.call('HGET', ev.events, id))
  if ecur == 0 then return {'notfound', 'event'} end
  if event_want ~= 0 and event_want ~= ecur then return {'conflict', ecur, 'event'} end
  put_event(ev, id, ecur + 1, event, start, dur, rev)
end
redis.call('HSET', agendas_key, id, stamp(cur + 1, agenda))
return {'ok', cur + 1}
