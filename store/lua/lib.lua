-- Shared by every store script: it is put in front of each of them (see
-- scripts_redis.go), so a script's own text starts after it. It defines
-- functions only and reads none of the inputs: each script names its own.

-- version returns the version of a stored document, 0 for none. A stored
-- document is JSON whose first field is its version: {"_version":N,...}.
local function version(raw)
  if not raw then return 0 end
  local v = string.match(raw, '^{"_version":(%d+)')
  if not v then error('store: stored value without a version') end
  return tonumber(v)
end

-- stamp returns the stored form of body (a JSON object) at version v.
local function stamp(v, body)
  if body == '{}' then return string.format('{"_version":%d}', v) end
  return string.format('{"_version":%d,', v) .. string.sub(body, 2)
end

-- The event scripts pass their event keys as a table ev:
--   ev.events  hash: event ID → event JSON
--   ev.start   sorted set: revision .. ID scored by start, so that a
--              listing gets both from one ZRANGE
--   ev.maxdur  string: the longest event duration ever stored (seconds)
--   ev.rev     hash: event ID → revision

-- unindex removes an event from the index by start.
local function unindex(ev, id)
  local old = redis.call('HGET', ev.rev, id)
  if old then redis.call('ZREM', ev.start, old .. id) end
end

-- put_event writes an event document at version v, indexes it, and
-- records the revision the writer gave it.
local function put_event(ev, id, v, body, start, dur, rev)
  unindex(ev, id)
  redis.call('HSET', ev.events, id, stamp(v, body))
  redis.call('ZADD', ev.start, start, rev .. id)
  if tonumber(dur) > tonumber(redis.call('GET', ev.maxdur) or '0') then
    redis.call('SET', ev.maxdur, dur)
  end
  redis.call('HSET', ev.rev, id, rev)
end
