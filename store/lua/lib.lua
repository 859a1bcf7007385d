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

-- Registrations (registration_*.lua): a registration is JSON decoded with cjson; the scripts pass an
-- event's keys as a table rk:
--   rk.docs    hash: registration ID → registration JSON
--   rk.order   sorted set: registration ID scored by its Seq
--   rk.status  hash: registration ID → status
--   rk.emails  hash: email key → registration ID (registrations not cancelled)
--   rk.tokens  hash: token hash → event ID, NUL, registration ID (all events)

-- holds_place mirrors registration.Status.HoldsPlace.
local function holds_place(st) return st == 'pending' or st == 'approved' end

-- list returns a decoded array field, or an empty one for null or none.
local function list(v)
  if v == nil or v == cjson.null then return {} end
  return v
end

-- put_reg writes a decoded registration and its status; returns its JSON.
local function put_reg(rk, r)
  r.history = list(r.history)
  r.token_hashes = list(r.token_hashes)
  local doc = cjson.encode(r)
  redis.call('HSET', rk.docs, r.id, doc)
  redis.call('HSET', rk.status, r.id, r.status)
  redis.call('ZADD', rk.order, r.seq, r.id)
  return doc
end

-- set_status appends a step and writes the registration.
local function set_status(rk, r, st, at)
  r.status = st
  local h = list(r.history)
  h[#h + 1] = {status = st, at = at}
  r.history = h
  return put_reg(rk, r)
end

-- fill promotes the waitlist's head while places are free and returns
-- the promoted registrations' JSON, in Seq order. placed '' fills nothing.
local function fill(rk, capacity, placed, at)
  local out = {}
  if placed == '' then return out end
  local statuses = redis.call('HGETALL', rk.status)
  local held = 0
  for i = 2, #statuses, 2 do
    if holds_place(statuses[i]) then held = held + 1 end
  end
  for _, id in ipairs(redis.call('ZRANGE', rk.order, 0, -1)) do
    if capacity ~= 0 and held >= capacity then break end
    if redis.call('HGET', rk.status, id) == 'waitlisted' then
      local r = cjson.decode(redis.call('HGET', rk.docs, id))
      out[#out + 1] = set_status(rk, r, placed, at)
      held = held + 1
    end
  end
  return out
end

-- drop deletes a decoded registration and every index entry of it.
local function drop(rk, r)
  for _, h in ipairs(list(r.token_hashes)) do redis.call('HDEL', rk.tokens, h) end
  local key = r.email_key
  if key and key ~= cjson.null and key ~= '' and redis.call('HGET', rk.emails, key) == r.id then
    redis.call('HDEL', rk.emails, key)
  end
  redis.call('HDEL', rk.docs, r.id)
  redis.call('HDEL', rk.status, r.id)
  redis.call('ZREM', rk.order, r.id)
end
