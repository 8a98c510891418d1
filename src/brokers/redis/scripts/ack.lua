-- ack: forget finished messages.
-- KEYS[1] held hash  KEYS[2] leases zset
-- ARGV    receipts
-- Returns how many receipts still held a message (an expired, re-delivered one does not).
local acked = 0
for i = 1, #ARGV do
  acked = acked + redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[i])
end
return acked
