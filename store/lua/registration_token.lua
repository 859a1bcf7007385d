-- Adds a personal-link token hash to a registration, dropping (and
-- unindexing) the oldest beyond max. Replies {'ok'} or {'notfound'}.
local rk = {docs = KEYS[1], order = KEYS[2], status = KEYS[3], tokens = KEYS[4]}
local id = ARGV[1]
local hash = ARGV[2]
local max = tonumber(ARGV[3])
local token_entry = ARGV[4]  -- event ID, NUL, registration ID

local raw = redis.call('HGET', rk.docs, id)
if not raw then return {'notfound'} end
local r = cjson.decode(raw)
local hs = list(r.token_hashes)
hs[#hs + 1] = hash
while #hs > max do
  redis.call('HDEL', rk.tokens, hs[1])
  table.remove(hs, 1)
end
r.token_hashes = hs
redis.call('HSET', rk.tokens, hash, token_entry)
put_reg(rk, r)
return {'ok'}
