-- Records one answer to a poll, once per key: that the key answered
-- (keys) and the counts per option (counts), both or neither:
-- {'ok', answers, count 0, count 1, …}, {'answered'} or {'closed'}. The keys are a
-- sorted set of equal scores and the counts a hash whose fields are all
-- made at the first answer, in option order, so that neither keeps a
-- trace of the order of the answers or of who chose what.
local keys_key = KEYS[1]   -- sorted set, score 0: keys of those who answered
local counts_key = KEYS[2] -- hash: option index → count, "answers" → people, "closed" → 1 once closed
local key = ARGV[1]
local options = tonumber(ARGV[2])
local chosen = {unpack(ARGV, 3)} -- the chosen option indexes

if redis.call('ZSCORE', keys_key, key) then return {'answered'} end
if redis.call('HEXISTS', counts_key, 'closed') == 1 then return {'closed'} end
if redis.call('EXISTS', counts_key) == 0 then
  for i = 0, options - 1 do redis.call('HSET', counts_key, tostring(i), 0) end
  redis.call('HSET', counts_key, 'answers', 0)
end
redis.call('ZADD', keys_key, 0, key)
for _, c in ipairs(chosen) do redis.call('HINCRBY', counts_key, c, 1) end
local out = {'ok', redis.call('HINCRBY', counts_key, 'answers', 1)}
for i = 0, options - 1 do out[#out + 1] = tonumber(redis.call('HGET', counts_key, tostring(i)) or '0') end
return out
