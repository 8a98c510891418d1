-- reserve: ack finished messages, then take up to N ready messages, highest priority first,
-- FIFO within a priority, and hold each under a lease. Acking here saves a worker one round
-- trip per batch: its acks ride with its next reserve.
-- KEYS[1..10]  ready lists, priorities 0..9
-- KEYS[11]     delayed zset
-- KEYS[12]     held hash (receipt -> entry)
-- KEYS[13]     leases zset (receipt -> lease expiry ms)
-- KEYS[14]     dead list
-- KEYS[15]     waiters zset (lib/waiters.lua)
-- ARGV[1] max  ARGV[2] lease ms  ARGV[3] receipt prefix
-- ARGV[4] '1' to return the maintenance hints, '0' to skip them
-- ARGV[5] the waiter member to register should nothing be ready ('' for none), ARGV[6] for how
--         many ms it stays registered
-- ARGV[7] an earlier registration of this worker's to close ('' for none): what it was handed
--         is returned first, and counts towards max
-- ARGV[8..] receipts to ack first (outdated ones change nothing)
-- Returns { next due delayed ms, next lease expiry ms, the server's time ms, 1 if it registered
-- else 0, receipt1, entry1, ... }; each hint is -1 when there is nothing, or -2 when not asked
-- for. Leases and due times
-- are on the server's clock (lib/server-time.lua), whatever the worker's says. A value that is not an entry is moved to the
-- dead list with its reason, never returned; a key holding a value of the wrong type is set
-- aside (lib/set-aside.lua), and should a write still fail, every popped value goes back to the
-- front of its list before the error is raised, as Redis does not undo a script's writes. This
-- runs once per worker round trip, so it makes as few redis.call()s as it can.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/server-time.lua
--@include lib/waiters.lua
local now = server_ms()
local max = tonumber(ARGV[1])
local expiry = now + tonumber(ARGV[2])
use_dead_list(KEYS[14], now)

-- Calls `command key items[first..]` in slices, as Lua's unpack() has a stack limit.
local function call_in_slices(kind, command, key, items, first)
  for i = first, #items, 1000 do
    call_on(kind, command, key, unpack(items, i, math.min(i + 999, #items)))
  end
end

local out = { -2, -2, now, 0 }
local held = {}
local leases = {}
local receipts = {}
local dead = {}
-- { key, values } per LPOP, in order: what put_back() returns should a later write fail.
local pops = {}
local taken = 0
-- How many this call may take from the lists: max less what a closed registration was handed.
local limit = max

-- Holds `value`, the entry as it is while delivered.
local function hold(value)
  taken = taken + 1
  local receipt = ARGV[3] .. taken
  held[#held + 1] = receipt
  held[#held + 1] = value
  leases[#leases + 1] = expiry
  leases[#leases + 1] = receipt
  receipts[#receipts + 1] = receipt
  out[#out + 1] = receipt
  out[#out + 1] = value
end

local function take(key)
  while taken < limit do
    local popped = call_on('list', 'LPOP', key, limit - taken)
    if not popped then return end
    pops[#pops + 1] = { key, popped }
    for _, entry in ipairs(popped) do
      local value, problem = held_form(entry)
      if value == nil then
        dead[#dead + 1] = pack_dead(now, 'corrupted entry under a Celeriac key ' .. key .. ': ' .. problem, entry)
      else
        hold(value)
      end
    end
  end
end

local function reserve()
  call_in_slices('hash', 'HDEL', KEYS[12], ARGV, 8)
  call_in_slices('zset', 'ZREM', KEYS[13], ARGV, 8)
  local handed = close_waiter(KEYS[15], KEYS[12], ARGV[7])
  for _, item in ipairs(handed) do out[#out + 1] = item end
  limit = max - #handed / 2
  -- Most queues use the default priority only: one EXISTS spares nine empty pops.
  if redis.call('EXISTS', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]) > 0 then
    for p = 9, 1, -1 do take(KEYS[p + 1]) end
  end
  take(KEYS[1])
  if taken == 0 and #handed == 0 and ARGV[5] ~= '' then
    call_on('zset', 'ZADD', KEYS[15], now + tonumber(ARGV[6]), ARGV[5])
    out[4] = 1
  end
  call_in_slices('hash', 'HSET', KEYS[12], held, 1)
  call_in_slices('zset', 'ZADD', KEYS[13], leases, 1)
  call_in_slices('list', 'RPUSH', KEYS[14], dead, 1)
  if ARGV[4] == '1' then
    out[1] = call_on('zset', 'ZRANGE', KEYS[11], 0, 0, 'WITHSCORES')[2] or -1
    out[2] = call_on('zset', 'ZRANGE', KEYS[13], 0, 0, 'WITHSCORES')[2] or -1
  end
end

-- Returns every popped value to the front of its list, in its order, and drops its hold.
local function put_back()
  for i = #pops, 1, -1 do
    local key, values = pops[i][1], pops[i][2]
    for j = #values, 1, -1 do redis.call('LPUSH', key, values[j]) end
  end
  pcall(call_in_slices, 'hash', 'HDEL', KEYS[12], receipts, 1)
  pcall(call_in_slices, 'zset', 'ZREM', KEYS[13], receipts, 1)
end

local ok, failure = pcall(reserve)
if not ok then
  put_back()
  error(failure, 0)
end
return out
