-- list-revoked: the live revokes, soonest to lapse first.
-- KEYS[1] revoked zset (id -> expires_at ms by the server's TIME)
-- ARGV[1] limit (-1: all)
-- Returns [id1, expires_at1, id2, expires_at2, ...].
--@include lib/slot-clock.lua
local now = slot_now('')
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%d', now), '+inf',
  'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
