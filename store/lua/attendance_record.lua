-- Records one event's part of an attendance batch: the arrivals (written),
-- the changes (written only where the visit is still there: a forgotten
-- visit stays forgotten) and the beats (the latest per instance, in Unix
-- milliseconds). Replies {'ok'}.
local visits_key = KEYS[1]
local beats_key = KEYS[2]
local events_key = KEYS[3]
local event = ARGV[1]
local arrived = tonumber(ARGV[2])
local changed = tonumber(ARGV[3])
local beats = tonumber(ARGV[4])
-- from ARGV[5]: the arrived pairs (visit ID, visit JSON), then the changed
-- pairs, then the beats pairs (instance, milliseconds)
local args = ARGV

local i = 5
for _ = 1, arrived do
  redis.call('HSET', visits_key, args[i], args[i + 1])
  i = i + 2
end
for _ = 1, changed do
  if redis.call('HEXISTS', visits_key, args[i]) == 1 then
    redis.call('HSET', visits_key, args[i], args[i + 1])
  end
  i = i + 2
end
for _ = 1, beats do
  local old = tonumber(redis.call('HGET', beats_key, args[i]) or '0')
  if tonumber(args[i + 1]) > old then
    redis.call('HSET', beats_key, args[i], args[i + 1])
  end
  i = i + 2
end
if arrived > 0 or beats > 0 then
  redis.call('SADD', events_key, event)
end
return {'ok'}
