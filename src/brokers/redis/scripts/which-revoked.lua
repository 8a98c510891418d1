-- which-revoked: which of the given ids are revoked now.
-- KEYS[1] revoked zset (id -> expires_at ms by the server's TIME)
-- ARGV[1..] ids
-- Returns the revoked ones among them.
--@include lib/slot-clock.lua
local now = slot_now('')
local revoked = {}
for i = 1, #ARGV do
  local expires_at = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if expires_at and tonumber(expires_at) > now then revoked[#revoked + 1] = ARGV[i] end
end
return revoked
