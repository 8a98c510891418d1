-- release-unique: drop a unique claim, only when the given message holds it.
-- KEYS[1] claim key  ARGV[1] message id
-- Returns 1 when the claim was dropped, 0 when it was gone or held by another message.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
