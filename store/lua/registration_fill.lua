-- Fills an event's waitlist (after its capacity grew). Replies {'ok',
-- promoted JSON…}.
local rk = {docs = KEYS[1], order = KEYS[2], status = KEYS[3]}
local capacity = tonumber(ARGV[1])
local placed = ARGV[2]
local at = ARGV[3]

local out = {'ok'}
for _, p in ipairs(fill(rk, capacity, placed, at)) do out[#out + 1] = p end
return out
