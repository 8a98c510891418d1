-- dead-letter: move a held message to the dead list with the reason.
-- KEYS[1] held hash  KEYS[2] leases zset  KEYS[3] dead list
-- ARGV[1] receipt  ARGV[2] reason  ARGV[3] new entry or ''
-- Returns 1, or 0 when the receipt no longer holds the message. Stamped with the server's time.
--@include lib/entry.lua
--@include lib/set-aside.lua
--@include lib/held.lua
--@include lib/server-time.lua
local now = server_ms()
use_dead_list(KEYS[3], now)
local held = take_held(KEYS[1], KEYS[2], ARGV[1])
if not held then return 0 end
local entry = held
if ARGV[3] ~= '' then entry = ARGV[3] end
call_on('list', 'RPUSH', KEYS[3], pack_dead(now, ARGV[2], entry))
return 1
