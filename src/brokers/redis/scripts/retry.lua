-- retry: return a held message for another attempt after a delay, with a new body.
-- KEYS[1..10] ready lists  KEYS[11] delayed zset  KEYS[12] held hash  KEYS[13] leases zset
-- KEYS[14] dead list
-- ARGV[1] receipt  ARGV[2] delay (ms from now on the server's clock; 0 or less: ready now)
-- ARGV[3] new entry or ''  ARGV[4] wake channel
-- Returns 1, or 0 when the receipt no longer holds the message (its lease ran out). An entry
-- that does not parse is dead-lettered with the reason: it was already taken out of the held
-- hash, and an error reply would not undo that (a script's writes stay), so it would be lost.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/ready.lua
--@include lib/held.lua
--@include lib/server-time.lua
local now = server_ms()
use_dead_list(KEYS[14], now)
local held = take_held(KEYS[12], KEYS[13], ARGV[1])
if not held then return 0 end
local entry = held
if ARGV[3] ~= '' then entry = ARGV[3] end
local parsed, problem = parse_entry(entry)
if parsed == nil then
  call_on('list', 'RPUSH', KEYS[14], pack_dead(now, 'corrupted entry given to retry: ' .. problem, entry))
  return 1
end
local delay = tonumber(ARGV[2])
local at = 0
if delay <= 0 then
  push_ready(parsed.priority, entry, true)
else
  at = now + delay
  call_on('zset', 'ZADD', KEYS[11], at, entry)
end
redis.call('PUBLISH', ARGV[4], at)
return 1
