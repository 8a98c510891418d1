-- acquire-slot: take one of `limit` slots of a key for a holder, or refresh the holder's own.
-- KEYS[1] holders zset (holder -> expiry ms)
-- ARGV[1] limit  ARGV[2] holder  ARGV[3] ttl ms  ARGV[4] now ms, or '' for the server's TIME
-- Returns { 1, 0 } when taken; { 0, ms until the first live hold expires } when full.
--@include lib/slot-clock.lua
local now = slot_now(ARGV[4])
local limit = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local own = redis.call('ZSCORE', KEYS[1], ARGV[2])
if own or redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  expire_with_last_hold(KEYS[1], now)
  return { 1, 0 }
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { 0, tonumber(first[2]) - now }
