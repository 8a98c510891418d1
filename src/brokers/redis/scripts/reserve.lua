-- reserve: take up to N ready messages, highest priority first, FIFO within a priority, and
-- hold each under a lease.
-- KEYS[1..10]  ready lists, priorities 0..9
-- KEYS[11]     delayed zset
-- KEYS[12]     held hash (receipt -> entry)
-- KEYS[13]     leases zset (receipt -> lease expiry ms)
-- KEYS[14]     dead list
-- ARGV[1] now (ms)  ARGV[2] max  ARGV[3] lease ms  ARGV[4] receipt prefix
-- Returns { next due delayed ms or -1, next lease expiry ms or -1, receipt1, entry1, ... }.
-- A value that is not an entry is moved to the dead list with its reason, never returned.
--@include lib/entry.lua
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local expiry = now + tonumber(ARGV[3])
local out = {}
local taken = 0
for p = 9, 0, -1 do
  while taken < max do
    local ok, popped = pcall(redis.call, 'LPOP', KEYS[p + 1], max - taken)
    if not ok then
      -- A key of the wrong type (not ours) is set aside so the queue keeps flowing.
      local aside = KEYS[p + 1] .. ':corrupt:' .. now
      redis.call('RENAME', KEYS[p + 1], aside)
      redis.call('RPUSH', KEYS[14], pack_dead(now, 'a foreign value of the wrong type was under ' .. KEYS[p + 1] .. '; moved to ' .. aside, ''))
      break
    end
    if not popped then break end
    for _, entry in ipairs(popped) do
      local parsed = parse_entry(entry)
      if parsed == nil then
        redis.call('RPUSH', KEYS[14], pack_dead(now, 'corrupted entry under a Celeriac key ' .. KEYS[p + 1], entry))
      else
        taken = taken + 1
        local held = pack_entry(parsed.priority, parsed.deliveries + 1, parsed.rest)
        local receipt = ARGV[4] .. taken
        redis.call('HSET', KEYS[12], receipt, held)
        redis.call('ZADD', KEYS[13], expiry, receipt)
        out[#out + 1] = receipt
        out[#out + 1] = held
      end
    end
  end
end
local next_due = redis.call('ZRANGE', KEYS[11], 0, 0, 'WITHSCORES')[2] or -1
local next_expiry = redis.call('ZRANGE', KEYS[13], 0, 0, 'WITHSCORES')[2] or -1
table.insert(out, 1, next_expiry)
table.insert(out, 1, next_due)
return out
