-- Changes one registration's status if it is in one of the given ones,
-- then fills the waitlist. Replies {'ok', registration JSON, promoted
-- JSON…}, {'notfound'}, or {'state', current status}.
local rk = {docs = KEYS[1], order = KEYS[2], status = KEYS[3], emails = KEYS[4]}
local id = ARGV[1]
local from = ARGV[2]         -- the statuses it applies to, comma-separated
local to = ARGV[3]
local message = ARGV[4]      -- the decline message (when to is declined)
local capacity = tonumber(ARGV[5])
local placed = ARGV[6]
local at = ARGV[7]

local raw = redis.call('HGET', rk.docs, id)
if not raw then return {'notfound'} end
local r = cjson.decode(raw)
if not string.find(',' .. from .. ',', ',' .. r.status .. ',', 1, true) then return {'state', r.status} end
if to == 'declined' then
  if message == '' then r.message = nil else r.message = message end
end
if to == 'cancelled' and r.email_key and r.email_key ~= cjson.null and redis.call('HGET', rk.emails, r.email_key) == id then
  redis.call('HDEL', rk.emails, r.email_key)
end
local out = {'ok', set_status(rk, r, to, at)}
for _, p in ipairs(fill(rk, capacity, placed, at)) do out[#out + 1] = p end
return out
