-- broadcast: publish one broadcast message from the node that owns KEYS[1]'s slot, so on a
-- Redis Cluster every message of a channel leaves through one node and keeps its order.
-- KEYS[1] routing key of the channel (never written)
-- ARGV[1] pub/sub channel  ARGV[2] payload
-- Returns the number of subscribers of that node that received it.
return redis.call('PUBLISH', ARGV[1], ARGV[2])
