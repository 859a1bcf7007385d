-- Reads the logged messages after a position: {'ok', id, envelope, ts,
-- id, envelope, ts, …}, or {'gap'} when the capped log no longer reaches
-- back that far, or {'epoch'} when the position is not in this log.
local seq_key = KEYS[1]       -- the log's last seq (string)
local log_key = KEYS[2]       -- the log, a stream whose entry IDs are "<seq>-0"
local epoch_key = KEYS[3]     -- the log's epoch (string)
local since = tonumber(ARGV[1])
local since_epoch = ARGV[2]
local new_epoch = ARGV[3]     -- the epoch to give a log started now
local ttl_ms = ARGV[4]        -- how long a new epoch lasts without a message

local epoch = log_epoch(epoch_key, log_key, new_epoch, ttl_ms)
local cur = tonumber(redis.call('GET', seq_key) or '0')
if since_epoch ~= epoch or since > cur then
  return {'epoch'}
end
local out = {'ok'}
if since == cur then
  return out
end
local entries = redis.call('XRANGE', log_key, '(' .. since .. '-0', '+')
if #entries == 0 or entries[1][1] ~= (since + 1) .. '-0' then
  return {'gap'}
end
for _, entry in ipairs(entries) do
  local fields = entry[2]
  local envelope, ts = '', '0'
  for i = 1, #fields, 2 do
    if fields[i] == 'e' then envelope = fields[i + 1] elseif fields[i] == 't' then ts = fields[i + 1] end
  end
  out[#out + 1] = entry[1]
  out[#out + 1] = envelope
  out[#out + 1] = ts
end
return out
