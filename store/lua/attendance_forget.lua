-- Deletes every visit of one person in an event's attendance. Replies
-- {'ok', how many were deleted}.
local visits_key = KEYS[1]
local person = ARGV[1]

local n = 0
local all = redis.call('HGETALL', visits_key)
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).person == person then
    redis.call('HDEL', visits_key, all[i])
    n = n + 1
  end
end
return {'ok', n}
