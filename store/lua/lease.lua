-- Takes a free lease or renews the holder's own: 1, or 0 when another
-- holder has it.
local lease_key = KEYS[1]    -- string: the holder (expires)
local holder = ARGV[1]
local ttl_ms = ARGV[2]

local cur = redis.call('GET', lease_key)
if cur and cur ~= holder then return 0 end
redis.call('SET', lease_key, holder, 'PX', ttl_ms)
return 1
