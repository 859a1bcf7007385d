-- Records a secret ballot paper: that the institution voted (voters) and
-- what the paper says (box), both or neither, if the ballot is still at
-- the version the caster read: {'ok'}, {'notfound', 'ballot'},
-- {'conflict', stored version, 'ballot'}, {'voted'} or {'receipt'}.
-- Both sets are sorted sets of equal scores, so Redis keeps each in
-- member order: their bytes are a function of their content, never of
-- the order of the casts.
local ballots_key = KEYS[1] -- hash: ballot ID → ballot JSON
local voters_key = KEYS[2]  -- sorted set, score 0: institution IDs
local box_key = KEYS[3]     -- sorted set, score 0: "receipt choice-JSON"
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the ballot's version while open
local inst = ARGV[3]
local receipt = ARGV[4]
local paper = ARGV[5]          -- receipt, a space, the choice JSON

local cur = version(redis.call('HGET', ballots_key, id))
if cur == 0 then return {'notfound', 'ballot'} end
if cur ~= want then return {'conflict', cur, 'ballot'} end
if redis.call('ZSCORE', voters_key, inst) then return {'voted'} end
if #redis.call('ZRANGEBYLEX', box_key, '[' .. receipt .. ' ', '[' .. receipt .. ' \255', 'LIMIT', 0, 1) > 0 then
  return {'receipt'}
end
redis.call('ZADD', voters_key, 0, inst)
redis.call('ZADD', box_key, 0, paper)
return {'ok'}
