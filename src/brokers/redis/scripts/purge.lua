-- purge: delete the ready and delayed messages of a queue; held (running) ones stay.
-- KEYS[1..10] ready lists  KEYS[11] delayed zset
-- Returns how many were deleted.
local removed = 0
for i = 1, 11 do
  local key_type = redis.call('TYPE', KEYS[i]).ok
  if key_type == 'list' then removed = removed + redis.call('LLEN', KEYS[i])
  elseif key_type == 'zset' then removed = removed + redis.call('ZCARD', KEYS[i]) end
  redis.call('DEL', KEYS[i])
end
return removed
