-- Appends a caption line under the sequence rule (caption.Store): per
-- channel and token, the latest seq and its pos are kept as "seq pos".
-- Replies {'duplicate', pos}, {'order'}, or {'ok', pos, dropped}.
-- Seqs are at most 2^53-1, so Lua's numbers compare them exactly.
local lines_key = KEYS[1]    -- list: "pos json" of the channel's kept lines, oldest first
local channels_key = KEYS[2] -- hash: "next" NUL channel → last pos; "dropped" NUL channel → count
local cursors_key = KEYS[3]  -- hash: channel NUL token → "seq pos"
local channel = ARGV[1]
local token = ARGV[2]
local seq = ARGV[3]          -- decimal
local doc = ARGV[4]          -- the line JSON, pos left out
local max = tonumber(ARGV[5])

local cursor_field = channel .. '\0' .. token
local cur = redis.call('HGET', cursors_key, cursor_field)
if cur then
  local cur_seq, cur_pos = string.match(cur, '^(%d+) (%d+)$')
  if tonumber(seq) == tonumber(cur_seq) then return {'duplicate', tonumber(cur_pos)} end
  if tonumber(seq) < tonumber(cur_seq) then return {'order'} end
end
local pos = redis.call('HINCRBY', channels_key, 'next\0' .. channel, 1)
local n = redis.call('RPUSH', lines_key, pos .. ' ' .. doc)
local dropped = 0
if n > max then
  dropped = n - max
  redis.call('LTRIM', lines_key, dropped, -1)
  redis.call('HINCRBY', channels_key, 'dropped\0' .. channel, dropped)
end
redis.call('HSET', cursors_key, cursor_field, seq .. ' ' .. pos)
return {'ok', pos, dropped}
