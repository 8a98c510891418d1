-- Ready messages wait in one list per priority: KEYS[1..10] are priorities 0..9. Needs
-- lib/set-aside.lua: a message taken from elsewhere must land even on a foreign key.
local function push_ready(priority, entry, front)
  call_on('list', front and 'LPUSH' or 'RPUSH', KEYS[priority + 1], entry)
end
