-- revoke: record ids as revoked until now + ttl, keeping the later expiry of an id revoked
-- twice; drops lapsed ids first.
-- KEYS[1] revoked zset (id -> expires_at ms by the server's TIME)
-- ARGV[1] ttl ms  ARGV[2..] ids
-- Returns the number of ids given.
--@include lib/slot-clock.lua
local now = slot_now('')
local expires_at = now + tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV do
  local known = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if not known or tonumber(known) < expires_at then
    redis.call('ZADD', KEYS[1], string.format('%d', expires_at), ARGV[i])
  end
end
-- The zset goes away with its last revoke.
expire_with_last_hold(KEYS[1], now)
return #ARGV - 1
