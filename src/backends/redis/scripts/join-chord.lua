-- join-chord: count one chord member once and say what it must do next.
-- KEYS[1] chord hash (fields: size, state = open | complete | failed)
-- KEYS[2] values hash (member index -> JSON value); its fields are the counted members
-- ARGV    size, member index, 'ok' or 'failed', value JSON ('' for a failure), ttl ms (0: never)
-- Returns {'wait'}, {'failed'}, {'complete', {index, value, ...}} or {'size', stored size}.
-- Once the chord completes or fails only its state is kept, so redeliveries answer wait.
local size = tonumber(ARGV[1])
local index = ARGV[2]
local ttl = tonumber(ARGV[5])

local function touch(key)
  if ttl > 0 then
    redis.call('PEXPIRE', key, ttl)
  else
    redis.call('PERSIST', key)
  end
end

local function settle(state)
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'state', state)
  touch(KEYS[1])
end

local chord = redis.call('HMGET', KEYS[1], 'size', 'state')
if not chord[2] then
  -- A new chord: drop values a lost chord hash may have left behind.
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'size', size, 'state', 'open')
elseif tonumber(chord[1]) ~= size then
  return {'size', chord[1]}
elseif chord[2] ~= 'open' then
  return {'wait'}
end

if redis.call('HEXISTS', KEYS[2], index) == 1 then return {'wait'} end
if ARGV[3] == 'failed' then
  settle('failed')
  return {'failed'}
end
redis.call('HSET', KEYS[2], index, ARGV[4])
if redis.call('HLEN', KEYS[2]) < size then
  touch(KEYS[1])
  touch(KEYS[2])
  return {'wait'}
end
local values = redis.call('HGETALL', KEYS[2])
settle('complete')
return {'complete', values}
