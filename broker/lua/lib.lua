-- Shared by the room scripts: it is put in front of each of them (see
-- broker_redis.go). It defines functions only and reads none of the
-- inputs: each script names its own.

-- start_log gives a room's log a new epoch and empties it, and returns the
-- epoch: a log without an epoch was lost (or never was), and a log that
-- went back is not the one its readers saw.
local function start_log(epoch_key, log_key, new_epoch, ttl_ms)
  redis.call('SET', epoch_key, new_epoch, 'PX', ttl_ms)
  redis.call('DEL', log_key)
  return new_epoch
end

-- log_epoch returns the epoch of a room's log, starting the log again
-- (start_log) when it has none.
local function log_epoch(epoch_key, log_key, new_epoch, ttl_ms)
  return redis.call('GET', epoch_key) or start_log(epoch_key, log_key, new_epoch, ttl_ms)
end


-- log_at returns a room's log as a publisher finds it: its epoch (a log
-- without one starts again, log_epoch), its last seq, and, when the
-- publisher may not publish at what it saw (seen_seq in seen_epoch; no
-- guard when seen_epoch is ''), the epoch to refuse it with: the log is
-- another one, or it went back behind seen_seq (a restored backup), which
-- starts it again with a new epoch so that every instance notices.
local function log_at(seq_key, epoch_key, log_key, new_epoch, ttl_ms, seen_seq, seen_epoch)
  local epoch = log_epoch(epoch_key, log_key, new_epoch, ttl_ms)
  local cur = tonumber(redis.call('GET', seq_key) or '0')
  if seen_epoch == '' then
    return epoch, cur, nil
  end
  if seen_epoch ~= epoch then
    return epoch, cur, epoch
  end
  if cur < seen_seq then
    return epoch, cur, start_log(epoch_key, log_key, new_epoch, ttl_ms)
  end
  return epoch, cur, nil
end
