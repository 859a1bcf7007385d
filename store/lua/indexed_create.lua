-- Creates a document found by the hash of its token (organizers,
-- invitations): {'ok', 0}, {'exists'} when the ID is taken, or
-- {'exists', 'token'} when the token hash is.
local docs_key = KEYS[1]     -- hash: ID → document JSON
local index_key = KEYS[2]    -- hash: token hash → entry
local id = ARGV[1]
local token_hash = ARGV[2]
local entry = ARGV[3]        -- what the index maps the token hash to
local doc = ARGV[4]          -- the document JSON

if redis.call('HEXISTS', docs_key, id) == 1 then return {'exists'} end
if redis.call('HEXISTS', index_key, token_hash) == 1 then return {'exists', 'token'} end
redis.call('HSET', docs_key, id, doc)
redis.call('HSET', index_key, token_hash, entry)
return {'ok', 0}
