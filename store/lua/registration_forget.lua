-- Deletes one registration (or, with id '', every registration of the
-- event) and every index entry, then fills the waitlist. Replies {'ok',
-- how many were deleted, promoted JSON…}, or {'notfound'}.
local rk = {docs = KEYS[1], order = KEYS[2], status = KEYS[3], emails = KEYS[4], tokens = KEYS[5]}
local id = ARGV[1]
local capacity = tonumber(ARGV[2])
local placed = ARGV[3]
local at = ARGV[4]

local ids = {id}
if id == '' then ids = redis.call('ZRANGE', rk.order, 0, -1) end
local n = 0
for _, x in ipairs(ids) do
  local raw = redis.call('HGET', rk.docs, x)
  if raw then
    drop(rk, cjson.decode(raw))
    n = n + 1
  end
end
if id ~= '' and n == 0 then return {'notfound'} end
local out = {'ok', n}
for _, p in ipairs(fill(rk, capacity, placed, at)) do out[#out + 1] = p end
return out
