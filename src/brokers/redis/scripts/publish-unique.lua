-- publish-unique: add messages to one queue, each only if its unique key is free, atomically.
-- KEYS     claim keys ({queue}:unique:<key>) and the keys messages go to (ready lists, the
--          delayed set), each once, in any order, and last the dead list
-- ARGV[1]  wake channel  ARGV[2] now (ms)
-- ARGV[3..] six items per message: claim key index, claim ttl (ms, > 0), message id,
--           target key index, due time (ms; 0 when ready now: RPUSH, else ZADD), packed entry
-- Returns two items per message, in order: 1 and its own id when it was stored (and its key
-- claimed), or 0 and the id of the message that holds the key. Messages are taken in order,
-- so a key repeated in one call resolves to its first message. Publishes the earliest due
-- time of the stored messages on the wake channel when any was stored. A foreign value of the
-- wrong type under a target key is set aside: a claim taken must come with its message stored.
--@include lib/entry.lua
--@include lib/set-aside.lua
use_dead_list(KEYS[#KEYS], ARGV[2])
local out = {}
local earliest = nil
for i = 3, #ARGV, 6 do
  local claim = KEYS[tonumber(ARGV[i])]
  local id = ARGV[i + 2]
  if redis.call('SET', claim, id, 'NX', 'PX', ARGV[i + 1]) then
    local target = KEYS[tonumber(ARGV[i + 3])]
    local due = tonumber(ARGV[i + 4])
    if due == 0 then
      call_on('list', 'RPUSH', target, ARGV[i + 5])
    else
      call_on('zset', 'ZADD', target, due, ARGV[i + 5])
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
