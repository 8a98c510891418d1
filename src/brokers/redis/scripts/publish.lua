-- publish: add a batch of messages to one queue, atomically.
-- KEYS[1..10]  ready lists, priorities 0..9
-- KEYS[11]     delayed zset (score: due time in ms)
-- ARGV[1]      now (ms)
-- ARGV[2]      wake channel
-- ARGV[3..]    pairs of (available at ms, entry)
-- Returns the number of messages stored. Publishes the earliest due time (0: ready now) on
-- the wake channel so waiting workers reserve or re-arm their timers at once.
--@include lib/entry.lua
--@include lib/ready.lua
local now = tonumber(ARGV[1])
local earliest = nil
local stored = 0
for i = 3, #ARGV, 2 do
  local at = tonumber(ARGV[i])
  local entry = ARGV[i + 1]
  local parsed = parse_entry(entry)
  if parsed == nil then return redis.error_reply('CELERIAC_BAD_ENTRY message ' .. ((i - 1) / 2)) end
  if at <= now then
    push_ready(parsed.priority, entry, false)
    at = 0
  else
    redis.call('ZADD', KEYS[11], at, entry)
  end
  if earliest == nil or at < earliest then earliest = at end
  stored = stored + 1
end
if earliest ~= nil then redis.call('PUBLISH', ARGV[2], earliest) end
return stored
