-- Registers one person: the duplicate check, the capacity check, the Seq
-- and the write in one step. Replies {'ok', registration JSON, waitlist
-- position (0 when placed)}, {'exists'} when the ID is taken, or
-- {'duplicate'} when the email key belongs to a registration that is not
-- cancelled.
local rk = {docs = KEYS[1], order = KEYS[2], status = KEYS[3], emails = KEYS[4]}
local seq_key = KEYS[5]      -- string: the event's last Seq
rk.tokens = KEYS[6]
local doc = ARGV[1]          -- the registration JSON (no seq, status or step yet)
local capacity = tonumber(ARGV[2]) -- 0: no limit
local placed = ARGV[3]       -- the status of a registrant who gets a place
local at = ARGV[4]           -- the step's time, as Go writes it in JSON
local token_entry = ARGV[5]  -- event ID, NUL, registration ID

local r = cjson.decode(doc)
if redis.call('HEXISTS', rk.docs, r.id) == 1 then return {'exists'} end
local key = r.email_key
local has_key = key and key ~= cjson.null and key ~= ''
if has_key then
  local other = redis.call('HGET', rk.emails, key)
  if other and redis.call('HGET', rk.status, other) ~= 'cancelled' then return {'duplicate'} end
end
local statuses = redis.call('HGETALL', rk.status)
local held, waiting = 0, 0
for i = 2, #statuses, 2 do
  if holds_place(statuses[i]) then held = held + 1 end
  if statuses[i] == 'waitlisted' then waiting = waiting + 1 end
end
r.seq = redis.call('INCR', seq_key)
local st, pos = placed, 0
if capacity ~= 0 and held >= capacity then st, pos = 'waitlisted', waiting + 1 end
if has_key then redis.call('HSET', rk.emails, key, r.id) end
for _, h in ipairs(list(r.token_hashes)) do redis.call('HSET', rk.tokens, h, token_entry) end
return {'ok', set_status(rk, r, st, at), pos}
