-- worker-heartbeat: record or refresh a live worker until now + ttl; drops lapsed workers.
-- KEYS[1] info hash (name -> JSON)  KEYS[2] expiry zset (name -> expires_at ms, server TIME)
-- ARGV[1] name  ARGV[2] JSON info  ARGV[3] ttl ms
-- Returns 1.
--@include lib/slot-clock.lua
local now = slot_now('')
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for i = 1, #lapsed do redis.call('HDEL', KEYS[1], lapsed[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], string.format('%d', now + tonumber(ARGV[3])), ARGV[1])
-- Both keys go away with the last live worker.
expire_with_last_hold(KEYS[2], now)
redis.call('PEXPIRE', KEYS[1], redis.call('PTTL', KEYS[2]))
return 1
