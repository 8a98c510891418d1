-- commit-progress: compare-and-set of a chunked task's progress.
-- KEYS[1] progress hash (fields: step, progress)
-- ARGV    fromStep, next step, next progress JSON, ttl ms (0: never expires)
-- Returns 1 when stored; 0, changing nothing, when the stored step is not fromStep.
-- Absent progress counts as step 0, so only the first chunk's run may create it.
local stored = redis.call('HGET', KEYS[1], 'step')
local step = 0
if stored then step = tonumber(stored) end
if step ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'step', ARGV[2], 'progress', ARGV[3])
local ttl = tonumber(ARGV[4])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return 1
