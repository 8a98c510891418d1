-- book-rate: book the next start of one rate-limited key with GCRA, atomically.
-- KEYS[1] the task's override ('<count> <perMs> <burst>' or 'off')  KEYS[2] the key's state (TAT)
-- ARGV[1] count  ARGV[2] per ms  ARGV[3] burst  (the code's limit; the override wins)
-- ARGV[4] horizon ms  ARGV[5] now (epoch ms) or '' for the Redis clock (TIME)
-- Returns {at, booked, now}: at and now as strings (fractional ms), booked 1 or 0. A start
-- further than the horizon ahead is not booked: at is now + horizon and the state stays.
local now = tonumber(ARGV[5])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
local count, per, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local override = redis.call('GET', KEYS[1])
if override == 'off' then
  return {string.format('%.3f', now), 0, string.format('%.3f', now)}
end
if override then
  local c, p, b = string.match(override, '^(%S+) (%S+) (%S+)$')
  if c then count, per, burst = tonumber(c), tonumber(p), tonumber(b) end
end
local interval = per / count
local tolerance = (burst - 1) * interval
local base = tonumber(redis.call('GET', KEYS[2]) or '') or now
if base < now then base = now end
local at = base - tolerance
if at < now then at = now end
local horizon = tonumber(ARGV[4])
if at - now > horizon then
  return {string.format('%.3f', now + horizon), 0, string.format('%.3f', now)}
end
local tat = base + interval
-- Once its TAT has passed a state means nothing: let it expire then.
redis.call('SET', KEYS[2], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
return {string.format('%.3f', at), 1, string.format('%.3f', now)}
