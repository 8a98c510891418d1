-- Idle waiters of a queue, so that a send hands its message straight to a worker that asked for
-- one instead of waking it to come and reserve (one hop through Redis instead of two). A reserve
-- that finds its queue empty registers in the queue's waiters zset; the member says what it
-- asked for and the score is when the registration lapses (server ms):
--   member = max "|" lease ms "|" channel "|" receipt prefix
-- publish.lua takes the longest-registered live member away, leases up to `max` of its messages
-- under receipts `<prefix>1..n` exactly as reserve.lua would, and publishes them on the channel.
-- The worker's next reserve closes its registration: a member still there was handed nothing;
-- a member gone was handed messages, which that reserve returns from the held hash, so a hand-off
-- whose published copy never arrived is delivered all the same. Needs lib/entry.lua,
-- lib/set-aside.lua and lib/server-time.lua.

-- The fields of a member, or nil for a value this code did not write.
local function read_waiter(member)
  local max, lease_ms, channel, prefix = string.match(member, '^(%d+)|(%d+)|([^|]+)|(.+)$')
  if prefix == nil then return nil end
  return { max = tonumber(max), lease_ms = tonumber(lease_ms), channel = channel, prefix = prefix }
end

-- The held form of an entry at its next delivery, or nil and what is wrong with it (it does
-- not read, or its delivery count is at its limit). Both reserve.lua and a hand-off hold
-- messages through it.
local function held_form(entry)
  local first = first_delivery(entry)
  if first ~= nil then return first end
  local parsed, problem = parse_entry(entry)
  if parsed == nil then return nil, problem end
  if parsed.deliveries >= MAX_DELIVERIES then
    return nil, 'delivery count is at its limit ' .. MAX_DELIVERIES
  end
  return pack_entry(parsed.priority, parsed.deliveries + 1, parsed.rest)
end

-- Hands ARGV[first .. first + count - 1] (entries in send order) to the longest-registered live
-- waiter, up to its `max`; returns how many it took, always the first ones.
local function hand_off(waiters, held, leases, first, count)
  if count == 0 or redis.call('EXISTS', waiters) == 0 then return 0 end
  local now = server_ms()
  -- The longest-registered first; a lapsed or foreign member is dropped on the way.
  local waiter
  repeat
    local popped = call_on('zset', 'ZPOPMIN', waiters)
    if popped[1] == nil then return 0 end
    if tonumber(popped[2]) > now then waiter = read_waiter(popped[1]) end
  until waiter ~= nil
  local expiry = now + waiter.lease_ms
  local payload = { waiter.prefix, '\n', now, '\n' }
  local held_items, lease_items = {}, {}
  local given = 0
  while given < math.min(waiter.max, count) do
    local value = held_form(ARGV[first + given])
    if value == nil then break end
    given = given + 1
    local receipt = waiter.prefix .. given
    held_items[#held_items + 1] = receipt
    held_items[#held_items + 1] = value
    lease_items[#lease_items + 1] = expiry
    lease_items[#lease_items + 1] = receipt
    payload[#payload + 1] = #value
    payload[#payload + 1] = '\n'
    payload[#payload + 1] = value
  end
  if given == 0 then return 0 end
  call_on('hash', 'HSET', held, unpack(held_items))
  call_on('zset', 'ZADD', leases, unpack(lease_items))
  redis.call('PUBLISH', waiter.channel, table.concat(payload))
  return given
end

-- Ends a registration; returns the receipts and held entries it was handed (none when the
-- member is still registered, or when nothing of it is held any more).
local function close_waiter(waiters, held, member)
  local handed = {}
  if member == '' or call_on('zset', 'ZREM', waiters, member) == 1 then return handed end
  local waiter = read_waiter(member)
  if waiter == nil then return handed end
  for i = 1, waiter.max do
    local receipt = waiter.prefix .. i
    local value = call_on('hash', 'HGET', held, receipt)
    if not value then break end
    handed[#handed + 1] = receipt
    handed[#handed + 1] = value
  end
  return handed
end
