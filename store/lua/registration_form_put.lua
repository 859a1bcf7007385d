-- Creates (want 0) or replaces an event's registration form if its stored
-- version is want. Replies {'ok'} or {'conflict', stored version}.
local forms_key = KEYS[1]    -- hash: event ID → form JSON
local event = ARGV[1]
local want = tonumber(ARGV[2])
local doc = ARGV[3]          -- the form JSON, at version want + 1

local cur = redis.call('HGET', forms_key, event)
local have = 0
if cur then have = tonumber(cjson.decode(cur).version) or 0 end
if have ~= want then return {'conflict', have} end
redis.call('HSET', forms_key, event, doc)
return {'ok'}
