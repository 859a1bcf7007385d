-- The first step of a listing: the members (revision .. ID) of the events
-- that start in [from - the longest duration, to], a superset of those
-- that end after from and start before to, which the caller filters
-- exactly.
local start_key = KEYS[1]    -- sorted set: revision .. ID by start
local maxdur_key = KEYS[2]   -- string: the longest duration (seconds)
local from = ARGV[1]         -- Unix seconds, floored, or '' for no bound
local to = ARGV[2]           -- Unix seconds, floored, or '' for no bound

local min, max = '-inf', '+inf'
if from ~= '' then
  min = tonumber(from) - tonumber(redis.call('GET', maxdur_key) or '0')
end
if to ~= '' then max = to end
return redis.call('ZRANGE', start_key, min, max, 'BYSCORE')
