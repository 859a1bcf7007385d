-- Records (or replaces) an institution's named vote and adds it to the
-- voters, if the ballot is still at the version the caster read: {'ok'},
-- {'notfound', 'ballot'} or {'conflict', stored version, 'ballot'}.
local ballots_key = KEYS[1] -- hash: ballot ID → ballot JSON
local voters_key = KEYS[2]  -- sorted set, score 0: institution IDs
local votes_key = KEYS[3]   -- hash: institution ID → vote JSON
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the ballot's version while open
local inst = ARGV[3]
local vote = ARGV[4]           -- the vote JSON

local cur = version(redis.call('HGET', ballots_key, id))
if cur == 0 then return {'notfound', 'ballot'} end
if cur ~= want then return {'conflict', cur, 'ballot'} end
redis.call('ZADD', voters_key, 0, inst)
redis.call('HSET', votes_key, inst, vote)
return {'ok'}
