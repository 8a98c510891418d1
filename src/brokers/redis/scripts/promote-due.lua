-- promote-due: move delayed messages whose time has come to the ready lists.
-- KEYS[1..10] ready lists  KEYS[11] delayed zset  KEYS[12] dead list
-- ARGV[1] most to move in one call
-- Returns { moved, next due ms or -1, the server's time ms }, due times on the server's clock.
-- Each message moves once: the whole step is atomic.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/ready.lua
--@include lib/server-time.lua
local now = server_ms()
use_dead_list(KEYS[12], now)
local due = call_on('zset', 'ZRANGEBYSCORE', KEYS[11], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, entry in ipairs(due) do
  redis.call('ZREM', KEYS[11], entry)
  local parsed, problem = parse_entry(entry)
  if parsed == nil then
    call_on('list', 'RPUSH', KEYS[12], pack_dead(now, 'corrupted entry under a Celeriac key ' .. KEYS[11] .. ': ' .. problem, entry))
  else
    push_ready(parsed.priority, entry, false)
  end
end
local next_due = redis.call('ZRANGE', KEYS[11], 0, 0, 'WITHSCORES')[2] or -1
return { #due, next_due, now }
