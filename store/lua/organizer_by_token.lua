-- Finds an organizer by the hash of its token: its JSON, or nil.
local tokens_key = KEYS[1]   -- hash: token hash → organizer ID
local organizers_key = KEYS[2] -- hash: organizer ID → organizer JSON
local token_hash = ARGV[1]

local id = redis.call('HGET', tokens_key, token_hash)
if not id then return false end
return redis.call('HGET', organizers_key, id)
