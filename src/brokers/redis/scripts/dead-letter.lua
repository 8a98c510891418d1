-- dead-letter: move a held message to the dead list with the reason.
-- KEYS[1] held hash  KEYS[2] leases zset  KEYS[3] dead list
-- ARGV[1] now  ARGV[2] receipt  ARGV[3] reason  ARGV[4] new entry or ''
-- Returns 1, or 0 when the receipt no longer holds the message.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/held.lua
use_dead_list(KEYS[3], ARGV[1])
local held = take_held(KEYS[1], KEYS[2], ARGV[2])
if not held then return 0 end
local entry = held
if ARGV[4] ~= '' then entry = ARGV[4] end
call_on('list', 'RPUSH', KEYS[3], pack_dead(ARGV[1], ARGV[3], entry))
return 1
