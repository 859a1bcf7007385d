-- Deletes a versioned assembly document from a hash: {'ok'},
-- {'notfound', what} or {'conflict', stored version, what}.
local docs_key = KEYS[1]       -- hash: ID → document JSON
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to delete (> 0)
local what = ARGV[3]           -- what the document is, for the reply

local cur = version(redis.call('HGET', docs_key, id))
if cur == 0 then return {'notfound', what} end
if want ~= cur then return {'conflict', cur, what} end
redis.call('HDEL', docs_key, id)
return {'ok'}
