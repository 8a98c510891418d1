-- queue-stats: count one queue's messages by state, read together.
-- KEYS[1..10] ready lists  KEYS[11] delayed zset  KEYS[12] held hash  KEYS[13] dead list
-- Returns { ready, delayed, reserved, dead, problem1, problem2, ... }. A key holding a value of
-- the wrong type (a foreign or corrupted one) counts 0 and adds a problem naming it, so one bad
-- key does not hide the queue's other counts.
local problems = {}
local counters = { list = 'LLEN', zset = 'ZCARD', hash = 'HLEN' }

local function count(key, kind)
  local found = redis.call('TYPE', key).ok
  if found == 'none' then return 0 end
  if found ~= kind then
    problems[#problems + 1] = key .. ' holds a ' .. found .. ', not a ' .. kind .. ': not counted'
    return 0
  end
  return redis.call(counters[kind], key)
end

local ready = 0
for i = 1, 10 do ready = ready + count(KEYS[i], 'list') end
local out = { ready, count(KEYS[11], 'zset'), count(KEYS[12], 'hash'), count(KEYS[13], 'list') }
for _, problem in ipairs(problems) do out[#out + 1] = problem end
return out
