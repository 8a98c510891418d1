-- last-ticks: the last recorded tick of each entry of a beat group.
-- KEYS[1] ticks hash (entry -> last tick, epoch ms)
-- Returns { entry, tick, entry, tick, ... }.
return redis.call('HGETALL', KEYS[1])
