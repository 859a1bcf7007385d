-- Reads a room's position, state and roster in one consistent step.
local seq_key = KEYS[1]       -- the log's last seq (string)
local log_key = KEYS[2]       -- the log (a stream)
local state_key = KEYS[3]     -- the room state (JSON)
local roster_key = KEYS[4]    -- member ID → "<join seq>|<member JSON>"
local epoch_key = KEYS[5]     -- the log's epoch (string)
local new_epoch = ARGV[1]     -- the epoch to give a log started now
local ttl_ms = ARGV[2]        -- how long a new epoch lasts without a message

local epoch = log_epoch(epoch_key, log_key, new_epoch, ttl_ms)
return {redis.call('GET', seq_key) or '0', epoch, redis.call('GET', state_key) or '', redis.call('HGETALL', roster_key)}
