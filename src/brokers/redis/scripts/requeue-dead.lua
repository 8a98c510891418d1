-- requeue-dead: move dead letters back to the ready lists, all of them or those with given ids.
-- KEYS[1..10] ready lists  KEYS[11] dead list
-- ARGV[1] '*' for all, else ARGV[1..] message ids
-- Returns how many moved. Delivery counts restart at 0. A letter whose value is not an entry
-- (a foreign value set aside) stays in the dead list: there is no message to requeue.
--@include lib/entry.lua
--@include lib/ready.lua
local wanted = nil
if ARGV[1] ~= '*' then
  wanted = {}
  for i = 1, #ARGV do wanted[ARGV[i]] = true end
end
local letters = redis.call('LRANGE', KEYS[11], 0, -1)
local moved = 0
for _, letter in ipairs(letters) do
  local dead = parse_dead(letter)
  local parsed = dead and parse_entry(dead.value)
  if parsed and (wanted == nil or wanted[parsed.id]) then
    redis.call('LREM', KEYS[11], 1, letter)
    push_ready(parsed.priority, pack_entry(parsed.priority, 0, parsed.rest), false)
    moved = moved + 1
  end
end
return moved
