-- Creates a caption token unless its event has max tokens already:
-- {'ok', 0}, {'exists'} when the ID or the hash is taken, or {'full'}.
local tokens_key = KEYS[1]   -- hash: token ID → token JSON (the event's)
local hashes_key = KEYS[2]   -- hash: token hash → event NUL token ID
local id = ARGV[1]
local token_hash = ARGV[2]
local entry = ARGV[3]        -- what the index maps the token hash to
local doc = ARGV[4]          -- the token JSON
local max = tonumber(ARGV[5])

if redis.call('HEXISTS', tokens_key, id) == 1 then return {'exists'} end
if redis.call('HEXISTS', hashes_key, token_hash) == 1 then return {'exists'} end
if redis.call('HLEN', tokens_key) >= max then return {'full'} end
redis.call('HSET', tokens_key, id, doc)
redis.call('HSET', hashes_key, token_hash, entry)
return {'ok', 0}
