-- Compare-and-swap of one field of a hash, for a read-modify-write in Go:
-- 1 when the field held old and now holds new, 0 when it held something
-- else (nothing is written).
local hash_key = KEYS[1]
local field = ARGV[1]
local old = ARGV[2]          -- the value read
local new = ARGV[3]          -- the value to write

if redis.call('HGET', hash_key, field) ~= old then return 0 end
redis.call('HSET', hash_key, field, new)
return 1
