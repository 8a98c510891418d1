-- Takes the message a lease receipt holds out of the held hash and the leases set; returns
-- nil when the receipt holds nothing (its lease ran out and the message went back).
local function take_held(held_key, leases_key, receipt)
  redis.call('ZREM', leases_key, receipt)
  local held = redis.call('HGET', held_key, receipt)
  if held then redis.call('HDEL', held_key, receipt) end
  return held
end
