-- Takes one action under a rate rule (the generic cell rate algorithm of
-- internal/ratelimit.Take, in microseconds): 1 if allowed (the key's TAT
-- advanced by one interval), 0 if not (nothing changed).
local tat_key = KEYS[1]          -- string: the theoretical arrival time, µs (expires a second after it passes)
local now = tonumber(ARGV[1])    -- µs since the Unix epoch
local every = tonumber(ARGV[2])  -- µs between two actions on average
local burst = tonumber(ARGV[3])  -- actions at once

local tat = tonumber(redis.call('GET', tat_key) or '0')
if tat < now then tat = now end
if tat - now > every * (burst - 1) then return 0 end
tat = tat + every
-- Kept a second past the TAT: a key that outlives its TAT holds a full
-- bucket, as a missing one does, and the margin keeps clocks a little
-- apart (instances', Redis's) from ending a bucket early.
redis.call('SET', tat_key, string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
return 1
