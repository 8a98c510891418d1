-- reserve: ack finished messages, then take up to N ready messages, highest priority first,
-- FIFO within a priority, and hold each under a lease. Acking here saves a worker one round
-- trip per batch: its acks ride with its next reserve.
-- KEYS[1..10]  ready lists, priorities 0..9
-- KEYS[11]     delayed zset
-- KEYS[12]     held hash (receipt -> entry)
-- KEYS[13]     leases zset (receipt -> lease expiry ms)
-- KEYS[14]     dead list
-- ARGV[1] now (ms)  ARGV[2] max  ARGV[3] lease ms  ARGV[4] receipt prefix
-- ARGV[5] '1' to return the maintenance hints, '0' to skip them
-- ARGV[6..] receipts to ack first (outdated ones change nothing)
-- Returns { next due delayed ms, next lease expiry ms, receipt1, entry1, ... }; each hint is -1
-- when there is nothing, or -2 when not asked for. A value that is not an entry is moved to the
-- dead list with its reason, never returned. This runs once per worker round trip, so it makes
-- as few redis.call()s as it can.
--@include lib/entry.lua
local now = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local expiry = now + tonumber(ARGV[3])
-- Calls `command key items[first..]` in slices, as Lua's unpack() has a stack limit.
local function call_in_slices(command, key, items, first)
  for i = first, #items, 1000 do
    redis.call(command, key, unpack(items, i, math.min(i + 999, #items)))
  end
end

call_in_slices('HDEL', KEYS[12], ARGV, 6)
call_in_slices('ZREM', KEYS[13], ARGV, 6)
local out = { -2, -2 }
local held = {}
local leases = {}
local taken = 0

local function take(key)
  while taken < max do
    local ok, popped = pcall(redis.call, 'LPOP', key, max - taken)
    if not ok then
      -- A key of the wrong type (not ours) is set aside so the queue keeps flowing.
      local aside = key .. ':corrupt:' .. now
      redis.call('RENAME', key, aside)
      redis.call('RPUSH', KEYS[14], pack_dead(now, 'a foreign value of the wrong type was under ' .. key .. '; moved to ' .. aside, ''))
      return
    end
    if not popped then return end
    for _, entry in ipairs(popped) do
      local parsed, problem = parse_entry(entry)
      if parsed ~= nil and parsed.deliveries >= MAX_DELIVERIES then
        parsed, problem = nil, 'delivery count is at its limit ' .. MAX_DELIVERIES
      end
      if parsed == nil then
        redis.call('RPUSH', KEYS[14], pack_dead(now, 'corrupted entry under a Celeriac key ' .. key .. ': ' .. problem, entry))
      else
        taken = taken + 1
        local receipt = ARGV[4] .. taken
        local value = pack_entry(parsed.priority, parsed.deliveries + 1, parsed.rest)
        held[#held + 1] = receipt
        held[#held + 1] = value
        leases[#leases + 1] = expiry
        leases[#leases + 1] = receipt
        out[#out + 1] = receipt
        out[#out + 1] = value
      end
    end
  end
end

-- Most queues use the default priority only: one EXISTS spares nine empty pops.
if redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]) > 0 then
  for p = 9, 1, -1 do take(KEYS[p + 1]) end
end
take(KEYS[1])
call_in_slices('HSET', KEYS[12], held, 1)
call_in_slices('ZADD', KEYS[13], leases, 1)
if ARGV[5] == '1' then
  out[1] = redis.call('ZRANGE', KEYS[11], 0, 0, 'WITHSCORES')[2] or -1
  out[2] = redis.call('ZRANGE', KEYS[13], 0, 0, 'WITHSCORES')[2] or -1
end
return out
