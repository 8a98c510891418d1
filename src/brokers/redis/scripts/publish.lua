-- publish: add a batch of messages to one queue, atomically.
-- KEYS     the keys this batch writes: ready lists of the priorities it uses, the delayed set,
--          then the queue's waiters zset, held hash and leases zset (lib/waiters.lua), and last
--          the dead list (for the note when a foreign key is set aside)
-- ARGV[1]  wake channel
-- ARGV[2]  earliest due time in the batch (ms; 0 when some message is ready now)
-- ARGV[3]  now (ms)
-- ARGV[4..] groups: key index, kind ('r' ready: entries pushed in order; 'd' delayed: due/entry
--           pairs), item count, then the items
-- Returns the number of messages stored. Ready messages go first to a worker waiting for them,
-- if one is registered (lib/waiters.lua): handed off, leased and published to it. What is
-- left is stored, and the earliest due time published on the wake channel so waiting workers
-- reserve, or re-arm their timers, at once. Entries are packed by the client; this script
-- parses one only to hand it off, as it runs once per `delay()`. A foreign value of the
-- wrong type under a target key is set aside, so a batch is never stored in part (a rejected
-- `delay()` whose first messages were stored would run them twice when the caller retries).
-- One call takes the queue's whole part of an enqueue(), however large, so that no reader sees
-- a part of it (Redis serves nobody else meanwhile: docs/redis.md gives the time).
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/server-time.lua
--@include lib/waiters.lua

-- unpack() puts its results on Lua's C stack (8,000 slots in Redis): a long run of items is
-- written in slices of this many (even: a ZADD slice holds whole due/entry pairs).
local SLICE = 1000

-- Writes ARGV[first..last] into `key`, in order, a slice per command.
local function write_run(kind, command, key, first, last)
  for from = first, last, SLICE do
    call_on(kind, command, key, unpack(ARGV, from, math.min(from + SLICE - 1, last)))
  end
end

local waiters, held, leases = KEYS[#KEYS - 3], KEYS[#KEYS - 2], KEYS[#KEYS - 1]
use_dead_list(KEYS[#KEYS], ARGV[3])
local stored = 0
-- Whether anything was written to a list or the delayed set, which waiting workers must hear of.
local queued = false
local i = 4
while i <= #ARGV do
  local key = KEYS[tonumber(ARGV[i])]
  local kind = ARGV[i + 1]
  local count = tonumber(ARGV[i + 2])
  local first = i + 3
  if kind == 'r' then
    local handed = hand_off(waiters, held, leases, first, count)
    write_run('list', 'RPUSH', key, first + handed, first + count - 1)
    queued = queued or handed < count
    i = first + count
  else
    write_run('zset', 'ZADD', key, first, first + 2 * count - 1)
    queued = true
    i = first + 2 * count
  end
  stored = stored + count
end
if queued then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
return stored
