-- put-entry: add or replace a run-time entry of a beat group and bump the group's version.
-- KEYS[1] entries hash (name -> JSON { spec, updatedAt })  KEYS[2] version counter
-- ARGV[1] name  ARGV[2] JSON
-- Returns the new version.
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('INCR', KEYS[2])
