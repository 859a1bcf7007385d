-- Publishes joins that queued up together (a join storm), in order, in one
-- atomic step: each as room_publish.lua publishes a join (its member in
-- the roster, guarded by the epoch only), with one round trip and one
-- durable write for all of them (see Redis.PublishJoins).
local seq_key = KEYS[1]       -- the log's last seq (string)
local log_key = KEYS[2]       -- the log, a stream whose entry IDs are "<seq>-0"
local roster_key = KEYS[4]    -- member ID → "<join seq>|<member JSON>"
local epoch_key = KEYS[5]     -- the log's epoch (string)
local seen_seq = tonumber(ARGV[1])
local seen_epoch = ARGV[2]    -- the epoch the publisher saw, or '' (no guard)
local new_epoch = ARGV[3]     -- the epoch to give a log started now
local log_size = ARGV[4]
local channel = ARGV[5]       -- the room's pub/sub channel
local ttl_ms = ARGV[6]        -- how long the room's keys outlive these messages
local first_join = 7          -- then, per join, three: its message (JSON, without seq and ts), its member ID, its member (JSON)

local epoch, cur, refused = log_at(seq_key, epoch_key, log_key, new_epoch, ttl_ms, seen_seq, seen_epoch)
if refused then
  return {-1, cur, refused}
end
local t = redis.call('TIME')
local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local first = cur + 1
for i = first_join, #ARGV, 3 do
  cur = cur + 1
  redis.call('XADD', log_key, 'MAXLEN', log_size, cur .. '-0', 'e', ARGV[i], 't', ts)
  redis.call('HSET', roster_key, ARGV[i + 1], cur .. '|' .. ARGV[i + 2])
  redis.call('PUBLISH', channel, cur .. '|' .. ts .. '|' .. epoch .. '|' .. ARGV[i])
end
redis.call('SET', seq_key, cur)
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ttl_ms) end
return {first, ts, epoch}
