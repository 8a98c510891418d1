-- Ready messages wait in one list per priority: KEYS[1..10] are priorities 0..9.
local function push_ready(priority, entry, front)
  local key = KEYS[priority + 1]
  if front then redis.call('LPUSH', key, entry) else redis.call('RPUSH', key, entry) end
end
