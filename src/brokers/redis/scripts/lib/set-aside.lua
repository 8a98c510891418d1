-- Redis keeps a script's writes when a later command fails, so a step that took a message out
-- of one key and then fails to write it into another loses it. A write into a key that a
-- foreign or corrupted value of the wrong type may occupy goes through call_on(): that value
-- is renamed aside (<key>:corrupt:<now>), a dead letter says so, and the command is made again
-- on the now empty key. The normal path costs one pcall, no extra command. Needs lib/entry.lua.
local aside_dead_key, aside_now = nil, nil

-- Where set_aside() notes go: the queue's dead list, at this time.
local function use_dead_list(dead_key, now)
  aside_dead_key, aside_now = dead_key, now
end

local call_on

-- Moves the value under `key` aside and dead-letters a note naming both keys.
local function set_aside(key)
  local aside = key .. ':corrupt:' .. aside_now
  redis.call('RENAME', key, aside)
  local note = 'a foreign value of the wrong type was under ' .. key .. '; moved to ' .. aside
  call_on('list', 'RPUSH', aside_dead_key, pack_dead(aside_now, note, ''))
end

-- redis.call(command, key, ...) on a key meant to be of type `kind` ('list', 'hash', 'zset').
-- Any failure other than a value of another type under the key is raised.
call_on = function(kind, command, key, ...)
  local ok, result = pcall(redis.call, command, key, ...)
  if ok then return result end
  local found = redis.call('TYPE', key)
  found = found.ok or found
  if found == kind or found == 'none' then error(result, 0) end
  set_aside(key)
  return redis.call(command, key, ...)
end
