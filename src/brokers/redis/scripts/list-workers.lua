-- list-workers: the info of every worker whose record has not lapsed.
-- KEYS[1] info hash (name -> JSON)  KEYS[2] expiry zset (name -> expires_at ms, server TIME)
-- Returns the JSON infos, in no particular order.
--@include lib/slot-clock.lua
local now = slot_now('')
local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. string.format('%d', now), '+inf')
local infos = {}
for i = 1, #live do
  local info = redis.call('HGET', KEYS[1], live[i])
  if info then infos[#infos + 1] = info end
end
return infos
