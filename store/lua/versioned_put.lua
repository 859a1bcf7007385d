-- Creates or replaces a versioned document in a hash (series, sources):
-- {'ok', new version}, or {'conflict', stored version, what}. A
-- precondition on a missing document fails, as an HTTP If-Match would.
local docs_key = KEYS[1]     -- hash: ID → document JSON
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to replace, 0 for any
local doc = ARGV[3]          -- the document JSON, without a version
local what = ARGV[4]         -- what the document is, for the reply

local cur = version(redis.call('HGET', docs_key, id))
if want ~= 0 and want ~= cur then return {'conflict', cur, what} end
redis.call('HSET', docs_key, id, stamp(cur + 1, doc))
return {'ok', cur + 1}
