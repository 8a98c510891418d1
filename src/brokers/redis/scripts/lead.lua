-- lead: take a free or expired leadership lease of a beat group, or renew the holder's own.
-- KEYS[1] lease hash (holder, expires_at ms by the server's TIME)
-- ARGV[1] holder  ARGV[2] ttl ms
-- Returns 1 when ARGV[1] leads after the call, 0 when another holder's lease is live.
--@include lib/slot-clock.lua
local now = slot_now('')
local holder = redis.call('HGET', KEYS[1], 'holder')
local expires_at = tonumber(redis.call('HGET', KEYS[1], 'expires_at') or '0')
if holder and holder ~= ARGV[1] and now < expires_at then return 0 end
local ttl = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'expires_at', string.format('%d', now + ttl))
-- The hash also goes away on its own, so a dead leader leaves nothing behind.
redis.call('PEXPIRE', KEYS[1], math.max(1, ttl))
return 1
