-- retry: return a held message for another attempt at a given time, with a new body.
-- KEYS[1..10] ready lists  KEYS[11] delayed zset  KEYS[12] held hash  KEYS[13] leases zset
-- KEYS[14] dead list
-- ARGV[1] now  ARGV[2] receipt  ARGV[3] retry at (ms)  ARGV[4] new entry or ''  ARGV[5] wake channel
-- Returns 1, or 0 when the receipt no longer holds the message (its lease ran out). An entry
-- that does not parse is dead-lettered with the reason: it was already taken out of the held
-- hash, and an error reply would not undo that (a script's writes stay), so it would be lost.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/ready.lua
--@include lib/held.lua
use_dead_list(KEYS[14], ARGV[1])
local held = take_held(KEYS[12], KEYS[13], ARGV[2])
if not held then return 0 end
local entry = held
if ARGV[4] ~= '' then entry = ARGV[4] end
local parsed, problem = parse_entry(entry)
if parsed == nil then
  call_on('list', 'RPUSH', KEYS[14], pack_dead(ARGV[1], 'corrupted entry given to retry: ' .. problem, entry))
  return 1
end
local at = tonumber(ARGV[3])
if at <= tonumber(ARGV[1]) then
  push_ready(parsed.priority, entry, true)
  at = 0
else
  call_on('zset', 'ZADD', KEYS[11], at, entry)
end
redis.call('PUBLISH', ARGV[5], at)
return 1
