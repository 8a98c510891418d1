-- publish: add a batch of messages to one queue, atomically.
-- KEYS     the keys this batch writes: ready lists of the priorities it uses, the delayed set,
--          and last the dead list (for the note when a foreign key is set aside)
-- ARGV[1]  wake channel
-- ARGV[2]  earliest due time in the batch (ms; 0 when some message is ready now)
-- ARGV[3]  now (ms)
-- ARGV[4..] groups: key index, kind ('r' ready: entries pushed in order; 'd' delayed: due/entry
--           pairs), item count, then the items
-- Returns the number of messages stored. Publishes the earliest due time on the wake channel
-- so waiting workers reserve, or re-arm their timers, at once. Entries are packed by the
-- client; this script does no parsing, as it runs once per `delay()`. A foreign value of the
-- wrong type under a target key is set aside, so a batch is never stored in part (a rejected
-- `delay()` whose first messages were stored would run them twice when the caller retries).
--@include lib/entry.lua
--@include lib/set-aside.lua
use_dead_list(KEYS[#KEYS], ARGV[3])
local stored = 0
local i = 4
while i <= #ARGV do
  local key = KEYS[tonumber(ARGV[i])]
  local kind = ARGV[i + 1]
  local count = tonumber(ARGV[i + 2])
  local first = i + 3
  if kind == 'r' then
    call_on('list', 'RPUSH', key, unpack(ARGV, first, first + count - 1))
    i = first + count
  else
    call_on('zset', 'ZADD', key, unpack(ARGV, first, first + 2 * count - 1))
    i = first + 2 * count
  end
  stored = stored + count
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return stored
