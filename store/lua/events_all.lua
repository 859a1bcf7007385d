-- A listing in one step (the fallback when events keep changing between
-- the two steps of events_revs.lua and events_at.lua): the member
-- (revision .. ID) and the document of every event in the range, in turn.
local events_key = KEYS[1]   -- hash: event ID → event JSON
local start_key = KEYS[2]    -- sorted set: revision .. ID by start
local maxdur_key = KEYS[3]   -- string: the longest duration (seconds)
local from = ARGV[1]         -- Unix seconds, floored, or '' for no bound
local to = ARGV[2]           -- Unix seconds, floored, or '' for no bound
local rev_len = tonumber(ARGV[3]) -- the length of a revision

local min, max = '-inf', '+inf'
if from ~= '' then
  min = tonumber(from) - tonumber(redis.call('GET', maxdur_key) or '0')
end
if to ~= '' then max = to end
local out = {}
for _, m in ipairs(redis.call('ZRANGE', start_key, min, max, 'BYSCORE')) do
  out[#out + 1] = m
  out[#out + 1] = redis.call('HGET', events_key, string.sub(m, rev_len + 1))
end
return out
