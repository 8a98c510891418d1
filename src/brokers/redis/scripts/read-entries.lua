-- read-entries: the run-time entries of a beat group with their version, read together.
-- KEYS[1] entries hash (name -> JSON { spec, updatedAt })  KEYS[2] version counter
-- Returns { version, { name, JSON, name, JSON, ... } }.
return { redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1]) }
