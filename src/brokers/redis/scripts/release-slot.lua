-- release-slot: give back one holder's slot of a key (never another holder's).
-- KEYS[1] holders zset
-- ARGV[1] holder
-- Returns 1 when the holder still held a slot, 0 when it had expired or was released before.
return redis.call('ZREM', KEYS[1], ARGV[1])
