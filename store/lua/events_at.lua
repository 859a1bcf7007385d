-- The second step of a listing: the documents of the events given, or nil
-- if any of them has been written or deleted since it was listed (the
-- caller then lists again).
local events_key = KEYS[1]   -- hash: event ID → event JSON
local rev_key = KEYS[2]      -- hash: event ID → revision
local id_revs = ARGV         -- ID, revision, ID, revision, …

local out = {}
for i = 1, #id_revs, 2 do
  local id, rev = id_revs[i], id_revs[i + 1]
  if redis.call('HGET', rev_key, id) ~= rev then return false end
  out[#out + 1] = redis.call('HGET', events_key, id)
end
return out
