-- Deletes a source with its status, pushes and lease: {'ok', version},
-- {'notfound', 'source'}, or {'conflict', stored version, 'source'}.
local sources_key = KEYS[1]  -- hash: source ID → source JSON
local status_key = KEYS[2]   -- hash: source ID → status JSON
local pushes_key = KEYS[3]   -- hash: event ID → push JSON, of this source
local lease_key = KEYS[4]    -- string: the instance syncing this source
local id = ARGV[1]
local want = tonumber(ARGV[2]) -- the version to delete, 0 for any

local raw = redis.call('HGET', sources_key, id)
if not raw then return {'notfound', 'source'} end
local cur = version(raw)
if want ~= 0 and want ~= cur then return {'conflict', cur, 'source'} end
redis.call('HDEL', sources_key, id)
redis.call('HDEL', status_key, id)
redis.call('DEL', pushes_key, lease_key)
return {'ok', cur}
