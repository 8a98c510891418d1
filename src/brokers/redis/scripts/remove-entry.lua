-- remove-entry: remove a run-time entry of a beat group; bump the version only when it existed.
-- KEYS[1] entries hash  KEYS[2] version counter
-- ARGV[1] name
-- Returns 1 when the entry existed, 0 otherwise.
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[2])
return 1
