-- recover-leases: return messages whose lease ran out (their worker died or stalled) to the
-- front of their ready list, to be delivered again.
-- KEYS[1..10] ready lists  KEYS[11] held hash  KEYS[12] leases zset  KEYS[13] dead list
-- ARGV[1] most to recover in one call
-- Returns { recovered, next lease expiry ms or -1, the server's time ms }: leases run out on the
-- server's clock, whatever the caller's says. Atomic: each message returns once.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/ready.lua
--@include lib/held.lua
--@include lib/server-time.lua
local now = server_ms()
use_dead_list(KEYS[13], now)
local expired = call_on('zset', 'ZRANGEBYSCORE', KEYS[12], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local recovered = 0
for _, receipt in ipairs(expired) do
  local held = take_held(KEYS[11], KEYS[12], receipt)
  if held then
    local parsed, problem = parse_entry(held)
    if parsed == nil then
      call_on('list', 'RPUSH', KEYS[13], pack_dead(now, 'corrupted entry under a Celeriac key ' .. KEYS[11] .. ': ' .. problem, held))
    else
      push_ready(parsed.priority, held, true)
      recovered = recovered + 1
    end
  end
end
local next_expiry = call_on('zset', 'ZRANGE', KEYS[12], 0, 0, 'WITHSCORES')[2] or -1
return { recovered, next_expiry, now }
