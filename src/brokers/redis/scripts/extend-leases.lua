-- extend-leases: push the leases of running messages into the future.
-- KEYS[1] leases zset
-- ARGV[1] new expiry (ms)  ARGV[2..] receipts
-- Returns how many receipts still held a lease (a lost one is not recreated).
local kept = 0
for i = 2, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
    kept = kept + 1
  end
end
return kept
