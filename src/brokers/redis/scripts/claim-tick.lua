-- claim-tick: record that an entry fired for a tick, only when no later or equal tick was, or
-- when the recorded one is the tick the caller replaces (one from another clock).
-- KEYS[1] ticks hash (entry -> last tick, epoch ms)
-- ARGV[1] entry  ARGV[2] tick  ARGV[3] (optional) the recorded tick it may replace
-- Returns 1 when recorded, 0 when an equal or later tick already was.
local last = redis.call('HGET', KEYS[1], ARGV[1])
if last and tonumber(last) >= tonumber(ARGV[2]) and tonumber(last) ~= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
