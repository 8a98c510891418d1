-- extend-unique: make a live unique claim end a given time from now, when the message holds it.
-- KEYS[1] claim key  ARGV[1] message id  ARGV[2] ttl (ms, > 0)
-- Returns 1 when the claim was extended, 0 when it was gone or held by another message.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
