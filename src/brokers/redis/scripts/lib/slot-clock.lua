-- The time slot scripts count expiries in: the caller's `now` when given (tests), otherwise the
-- server's TIME, so workers with skewed clocks agree. Effects replication makes writes after
-- TIME safe (the default from Redis 5; on 3.2-4 it must be asked for).
local function slot_now(given)
  if given ~= '' then return tonumber(given) end
  if redis.replicate_commands then pcall(redis.replicate_commands) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Keeps a holders zset no longer than its last hold, so a dead worker's keys go away too.
local function expire_with_last_hold(key, now)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - now)) end
end
