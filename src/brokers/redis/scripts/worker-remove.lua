-- worker-remove: forget a worker that went offline cleanly.
-- KEYS[1] info hash (name -> JSON)  KEYS[2] expiry zset (name -> expires_at ms)
-- ARGV[1] name
-- Returns 1 when the worker was recorded, else 0.
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])
