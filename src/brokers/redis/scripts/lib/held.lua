-- Takes the message a lease receipt holds out of the held hash and the leases set; returns
-- nil when the receipt holds nothing (its lease ran out and the message went back). Needs
-- lib/set-aside.lua: a foreign value under either key is set aside, as it holds none of ours.
local function take_held(held_key, leases_key, receipt)
  call_on('zset', 'ZREM', leases_key, receipt)
  local held = call_on('hash', 'HGET', held_key, receipt)
  if held then redis.call('HDEL', held_key, receipt) end
  return held
end
