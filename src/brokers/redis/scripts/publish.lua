-- publish: add a batch of messages to one queue, atomically.
-- KEYS     the keys this batch writes: ready lists of the priorities it uses, the delayed set
-- ARGV[1]  wake channel
-- ARGV[2]  earliest due time in the batch (ms; 0 when some message is ready now)
-- ARGV[3..] groups: key index, kind ('r' ready: entries pushed in order; 'd' delayed: due/entry
--           pairs), item count, then the items
-- Returns the number of messages stored. Publishes the earliest due time on the wake channel
-- so waiting workers reserve, or re-arm their timers, at once. Entries are packed by the
-- client; this script does no parsing, as it runs once per `delay()`.
local stored = 0
local i = 3
while i <= #ARGV do
  local key = KEYS[tonumber(ARGV[i])]
  local kind = ARGV[i + 1]
  local count = tonumber(ARGV[i + 2])
  local first = i + 3
  if kind == 'r' then
    redis.call('RPUSH', key, unpack(ARGV, first, first + count - 1))
    i = first + count
  else
    redis.call('ZADD', key, unpack(ARGV, first, first + 2 * count - 1))
    i = first + 2 * count
  end
  stored = stored + count
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return stored
