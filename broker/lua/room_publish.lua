-- Publishes one message in a room: check, count, log, store, announce, in
-- one atomic step (see Redis in broker_redis.go).
local seq_key = KEYS[1]       -- the log's last seq (string)
local log_key = KEYS[2]       -- the log, a stream whose entry IDs are "<seq>-0"
local state_key = KEYS[3]     -- the room state (JSON)
local roster_key = KEYS[4]    -- member ID → "<join seq>|<member JSON>"
local epoch_key = KEYS[5]     -- the log's epoch (string)
local check = ARGV[1]         -- '1': publish only if the log is at seen_seq
local seen_seq = tonumber(ARGV[2])
local seen_epoch = ARGV[3]    -- the epoch the publisher saw, or '' (no guard)
local new_epoch = ARGV[4]     -- the epoch to give a log started now
local envelope = ARGV[5]      -- the message (JSON, without seq and ts)
local state = ARGV[6]         -- the new state, or ''
local join_id = ARGV[7]       -- a member joining, or ''
local join_member = ARGV[8]
local leave_id = ARGV[9]      -- a member leaving, or ''
local update_id = ARGV[10]    -- a member changed, or ''
local update_member = ARGV[11]
local log_size = ARGV[12]
local channel = ARGV[13]      -- the room's pub/sub channel
local ttl_ms = ARGV[14]       -- how long the room's keys outlive this message

-- A log without an epoch was lost (or never was): it starts again (log_at).
local epoch, cur, refused = log_at(seq_key, epoch_key, log_key, new_epoch, ttl_ms, seen_seq, seen_epoch)
if refused then
  return {-1, cur, refused}
end
if check == '1' and cur ~= seen_seq then
  return {-1, cur, epoch}
end
local seq = cur + 1
local t = redis.call('TIME')
local ts = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', seq_key, seq)
redis.call('XADD', log_key, 'MAXLEN', log_size, seq .. '-0', 'e', envelope, 't', ts)
if state ~= '' then redis.call('SET', state_key, state) end
if join_id ~= '' then redis.call('HSET', roster_key, join_id, seq .. '|' .. join_member) end
if update_id ~= '' then
  local old = redis.call('HGET', roster_key, update_id)
  if old then
    local bar = string.find(old, '|', 1, true)
    redis.call('HSET', roster_key, update_id, string.sub(old, 1, bar) .. update_member)
  end
end
if leave_id ~= '' then redis.call('HDEL', roster_key, leave_id) end
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ttl_ms) end
redis.call('PUBLISH', channel, seq .. '|' .. ts .. '|' .. epoch .. '|' .. envelope)
return {seq, ts, epoch}
