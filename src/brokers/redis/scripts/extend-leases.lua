-- extend-leases: push the leases of running messages into the future.
-- KEYS[1] leases zset
-- ARGV[1] lease (ms from now, on the server's clock)  ARGV[2..] receipts
-- Returns how many receipts still held a lease (a lost one is not recreated).
--@include lib/server-time.lua
local expiry = server_ms() + tonumber(ARGV[1])
local kept = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], expiry, ARGV[i])
    kept = kept + 1
  end
end
return kept
