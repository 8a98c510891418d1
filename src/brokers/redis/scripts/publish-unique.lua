-- publish-unique: add messages to one queue, each only if its unique key is free, atomically.
-- KEYS     claim keys ({queue}:unique:<key>) and the keys messages go to (ready lists, the
--          delayed set), each once, in any order
-- ARGV[1]  wake channel
-- ARGV[2..] six items per message: claim key index, claim ttl (ms, > 0), message id,
--           target key index, due time (ms; 0 when ready now: RPUSH, else ZADD), packed entry
-- Returns two items per message, in order: 1 and its own id when it was stored (and its key
-- claimed), or 0 and the id of the message that holds the key. Messages are taken in order,
-- so a key repeated in one call resolves to its first message. Publishes the earliest due
-- time of the stored messages on the wake channel when any was stored.
local out = {}
local earliest = nil
for i = 2, #ARGV, 6 do
  local claim = KEYS[tonumber(ARGV[i])]
  local id = ARGV[i + 2]
  if redis.call('SET', claim, id, 'NX', 'PX', ARGV[i + 1]) then
    local target = KEYS[tonumber(ARGV[i + 3])]
    local due = tonumber(ARGV[i + 4])
    if due == 0 then
      redis.call('RPUSH', target, ARGV[i + 5])
    else
      redis.call('ZADD', target, due, ARGV[i + 5])
    end
    if earliest == nil or due < earliest then earliest = due end
    out[#out + 1] = 1
    out[#out + 1] = id
  else
    out[#out + 1] = 0
    out[#out + 1] = redis.call('GET', claim)
  end
end
if earliest ~= nil then redis.call('PUBLISH', ARGV[1], earliest) end
return out
