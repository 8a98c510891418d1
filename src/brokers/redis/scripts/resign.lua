-- resign: give up the leadership lease of a beat group, only when ARGV[1] holds it.
-- KEYS[1] lease hash
-- ARGV[1] holder
-- Returns 1 when the lease was the holder's and is gone, 0 otherwise.
if redis.call('HGET', KEYS[1], 'holder') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
