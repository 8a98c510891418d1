-- Leases and due times are read on the server's clock, so workers whose clocks disagree still
-- agree on when a lease ran out or a message is due. Effects replication makes writes after
-- TIME safe (the default from Redis 5; on 3.2-4 it must be asked for).
local function server_ms()
  if redis.replicate_commands then pcall(redis.replicate_commands) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
