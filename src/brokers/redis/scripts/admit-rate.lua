-- admit-rate: decide one delivery of a rate-limited key with GCRA on actual starts, atomically
-- (the same steps as gcraAdmit in src/flow/rate/gcra.ts).
-- KEYS[1] the task's override ('<count> <perMs> <burst>' or 'off')
-- KEYS[2] the key's booking TAT  KEYS[3] the key's start TAT
-- ARGV[1] count  ARGV[2] per ms  ARGV[3] burst  (the code's limit; the override wins)
-- ARGV[4] horizon ms  ARGV[5] hold ms  ARGV[6] 1 when the message carries a booking, else 0
-- ARGV[7] now (epoch ms) or '' for the Redis clock (TIME)
-- Returns {kind, at, now[, interval]}: kind 'start' (admitted at at; with the deciding limit's
-- interval between starts unless the limit is off), 'booked' (come back at at with the booking)
-- or 'full' (nothing free within the horizon: come back at at); times as strings (fractional ms).
local now = tonumber(ARGV[7])
if now == nil then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
end
local function ms(t) return string.format('%.3f', t) end
local count, per, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local override = redis.call('GET', KEYS[1])
if override == 'off' then return {'start', ms(now), ms(now)} end
if override then
  local c, p, b = string.match(override, '^(%S+) (%S+) (%S+)$')
  if c then count, per, burst = tonumber(c), tonumber(p), tonumber(b) end
end
local interval = per / count
local tolerance = (burst - 1) * interval
local horizon, hold, carries = tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local started = tonumber(redis.call('GET', KEYS[3]) or '') or now
local booked = tonumber(redis.call('GET', KEYS[2]) or '') or now
booked = math.max(booked, started, now)

-- Once its TAT has passed a state means nothing: let it expire then.
local function save(key, tat)
  redis.call('SET', key, ms(tat), 'PX', math.ceil(tat - now) + 1000)
end

-- A new message does not jump the queue of bookings: it starts only when none is waiting.
local queued = not carries and booked - tolerance > now + hold
local at = math.max(now, started - tolerance)
if not queued and at - now <= hold then
  local nextStart = math.max(started, at) + interval
  save(KEYS[3], nextStart)
  if nextStart > booked then save(KEYS[2], nextStart) end
  return {'start', ms(at), ms(now), ms(interval)}
end
at = math.max(now, booked - tolerance)
if at - now > horizon then return {'full', ms(now + horizon), ms(now)} end
save(KEYS[2], booked + interval)
return {'booked', ms(at), ms(now)}
