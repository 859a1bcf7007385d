-- Deletes an event's caption tokens (and their hash index entries), lines,
-- channel counters and sequence cursors. Replies {'ok', 0}.
local tokens_key = KEYS[1]   -- hash: token ID → token JSON (the event's)
local hashes_key = KEYS[2]   -- hash: token hash → event NUL token ID
local channels_key = KEYS[3] -- hash: "next" NUL channel → last pos; "dropped" NUL channel → count
local cursors_key = KEYS[4]  -- hash: channel NUL token → "seq pos"
local lines_prefix = ARGV[1] -- the lines lists' key, less the channel

for _, doc in ipairs(redis.call('HVALS', tokens_key)) do
  local token_hash = cjson.decode(doc)['token_hash']
  if token_hash then redis.call('HDEL', hashes_key, token_hash) end
end
for _, field in ipairs(redis.call('HKEYS', channels_key)) do
  local channel = string.match(field, '^next%z(.*)$')
  if channel then redis.call('DEL', lines_prefix .. channel) end
end
redis.call('DEL', tokens_key, channels_key, cursors_key)
return {'ok', 0}
