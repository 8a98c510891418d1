-- requeue-dead: move dead letters back to the ready lists, all of them or those with given ids.
-- KEYS[1..10] ready lists  KEYS[11] dead list
-- ARGV[1] now (ms)  ARGV[2] '*' for all, else ARGV[2..] message ids
-- Returns { moved, why1, count1, why2, count2, ... }: how many moved, then, when all were asked
-- for, how many stayed in the dead list and why. Delivery counts restart at 0. A letter that
-- holds no entry (a note on a value set aside, a foreign value) stays: there is no message to
-- requeue, and deleting it would lose what it says.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/ready.lua
use_dead_list(KEYS[11], ARGV[1])
local wanted = nil
if ARGV[2] ~= '*' then
  wanted = {}
  for i = 2, #ARGV do wanted[ARGV[i]] = true end
end
local letters = call_on('list', 'LRANGE', KEYS[11], 0, -1)
local moved = 0
local stayed = {}
local reasons = {}

-- Why a letter cannot be requeued, or nil with its entry when it can.
local function unrequeuable(letter)
  local dead = parse_dead(letter)
  if dead == nil then return 'unreadable dead letter' end
  if dead.value == '' then return 'no message: a note on a value set aside' end
  local parsed, problem = parse_entry(dead.value)
  if parsed == nil then return 'unreadable entry: ' .. problem end
  return nil, parsed
end

for _, letter in ipairs(letters) do
  local why, parsed = unrequeuable(letter)
  if parsed and (wanted == nil or wanted[parsed.id]) then
    redis.call('LREM', KEYS[11], 1, letter)
    push_ready(parsed.priority, pack_entry(parsed.priority, 0, parsed.rest), false)
    moved = moved + 1
  elseif why and wanted == nil then
    if stayed[why] == nil then reasons[#reasons + 1] = why end
    stayed[why] = (stayed[why] or 0) + 1
  end
end
local out = { moved }
for _, why in ipairs(reasons) do
  out[#out + 1] = why
  out[#out + 1] = stayed[why]
end
return out
