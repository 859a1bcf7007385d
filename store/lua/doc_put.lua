-- Creates or replaces a versioned assembly document in a hash
-- (institutions, rolls, ballots): {'ok', new version}, {'exists'},
-- {'notfound', what} or {'conflict', stored version, what}. Unlike
-- versioned_put, want 0 creates and fails if the document exists.
local docs_key = KEYS[1]       -- hash: ID → document JSON
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to replace, 0 to create
local doc = ARGV[3]            -- the document JSON, at version want + 1
local what = ARGV[4]           -- what the document is, for the reply

local cur = version(redis.call('HGET', docs_key, id))
if want == 0 and cur ~= 0 then return {'exists'} end
if want ~= 0 and cur == 0 then return {'notfound', what} end
if want ~= cur then return {'conflict', cur, what} end
redis.call('HSET', docs_key, id, stamp(cur + 1, doc))
return {'ok', cur + 1}
