-- Closes a poll to answers and returns its final tally:
-- {'ok', answers, count 0, count 1, …}. Closing twice is harmless.
local counts_key = KEYS[1] -- hash: option index → count, "answers" → people, "closed" → 1
local options = tonumber(ARGV[1])

if redis.call('EXISTS', counts_key) == 0 then
  for i = 0, options - 1 do redis.call('HSET', counts_key, tostring(i), 0) end
  redis.call('HSET', counts_key, 'answers', 0)
end
redis.call('HSET', counts_key, 'closed', 1)
local out = {'ok', tonumber(redis.call('HGET', counts_key, 'answers') or '0')}
for i = 0, options - 1 do out[#out + 1] = tonumber(redis.call('HGET', counts_key, tostring(i)) or '0') end
return out
