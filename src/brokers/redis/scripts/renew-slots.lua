-- renew-slots: push the expiry of live holds forward. An expired hold is dropped, not revived:
-- another holder may have taken its slot.
-- KEYS[1..n] holders zsets (one per hold; a key may repeat)
-- ARGV[1] now ms, or '' for the server's TIME
-- ARGV[2..] holder, ttl ms: one pair per key, in KEYS order
-- Returns how many holds were still live.
--@include lib/slot-clock.lua
local now = slot_now(ARGV[1])
local kept = 0
for i = 1, #KEYS do
  local holder = ARGV[2 * i]
  local expiry = redis.call('ZSCORE', KEYS[i], holder)
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', KEYS[i], now + tonumber(ARGV[2 * i + 1]), holder)
    expire_with_last_hold(KEYS[i], now)
    kept = kept + 1
  elseif expiry then
    redis.call('ZREM', KEYS[i], holder)
  end
end
return kept
