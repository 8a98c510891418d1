-- The stored entry, defined once here and in src/brokers/redis/entry.ts (readEntry), which
-- must accept exactly the same bytes with the same fields and the same problem text (a
-- property test runs both on the same bytes):
--   entry    = short | long
--   short    = tag uuid body               (a message never delivered, its id a UUID)
--   tag      = one byte 0xF5 to 0xFE       (0xF5 + priority; bytes that UTF-8 text never holds)
--   uuid     = the id's 16 raw bytes
--   long     = priority "|" delivery "|" idfield "|" id body
--   priority = one byte "0" to "9"
--   delivery = 1 to 9 bytes "0" to "9"    (at most 999999999: exact in Lua and JS numbers)
--   idfield  = "u"                        (the id is a UUID as its 16 raw bytes)
--            | 1 to 9 bytes "0" to "9"    (the id is that many bytes of text; at least 1)
--   body     = every byte after the id    (the broker never reads it)
-- No sign, space, dot, exponent or hex: tonumber() alone accepts " 3", "1.5", "nan", "0x1f".
-- The short form spares 5 header bytes on every queued task (17 instead of 22); the long form,
-- the only one before it, is still read, so entries queued by an earlier release keep flowing.
local MAX_DELIVERIES = 999999999
local SHORT_TAG = 245

local function is_count(field)
  return field ~= nil and #field <= 9 and string.find(field, '^[0-9]+$') ~= nil
end

-- Returns the entry's fields, or nil and what is wrong (a foreign or corrupted value).
local function parse_entry(entry)
  if type(entry) ~= 'string' then return nil, 'not a string' end
  local tag = string.byte(entry, 1)
  if tag ~= nil and tag >= SHORT_TAG and tag <= SHORT_TAG + 9 then
    if #entry < 17 then return nil, 'entry ends inside its id' end
    -- rest as the long form has it, so pack_entry and the callers need not know the form
    return {
      priority = tag - SHORT_TAG,
      deliveries = 0,
      id = string.sub(entry, 2, 17),
      rest = 'u|' .. string.sub(entry, 2),
    }
  end
  if string.find(entry, '^[0-9]|') == nil then
    return nil, 'priority is not one digit 0-9 followed by |'
  end
  local dc_end = string.find(entry, '|', 3, true)
  if not is_count(dc_end and string.sub(entry, 3, dc_end - 1)) then
    return nil, 'delivery count is not 1 to 9 digits followed by |'
  end
  local len_end = string.find(entry, '|', dc_end + 1, true)
  local len_field = len_end and string.sub(entry, dc_end + 1, len_end - 1)
  if len_field ~= 'u' and not is_count(len_field) then
    return nil, 'id length is not u or 1 to 9 digits followed by |'
  end
  local id_len = len_field == 'u' and 16 or tonumber(len_field)
  if id_len < 1 then return nil, 'id length is 0' end
  if #entry < len_end + id_len then return nil, 'entry ends inside its id' end
  return {
    priority = tonumber(string.sub(entry, 1, 1)),
    deliveries = tonumber(string.sub(entry, 3, dc_end - 1)),
    id = string.sub(entry, len_end + 1, len_end + id_len),
    rest = string.sub(entry, dc_end + 1),
  }
end

-- The short form whenever it can hold the message: never delivered, its id a UUID.
local function pack_entry(priority, deliveries, rest)
  if deliveries == 0 and string.sub(rest, 1, 2) == 'u|' then
    return string.char(SHORT_TAG + priority) .. string.sub(rest, 3)
  end
  return priority .. '|' .. deliveries .. '|' .. rest
end

-- The held form of a short entry (a message never delivered) after its first delivery: exactly
-- what pack_entry(priority, 1, rest) makes of what parse_entry reads, with the body copied once
-- and no table built; nil for any other value, which goes through parse_entry. Reserve's common
-- case, once per message it hands out.
local function first_delivery(entry)
  local tag = string.byte(entry, 1)
  if tag == nil or tag < SHORT_TAG or tag > SHORT_TAG + 9 or #entry < 17 then return nil end
  return (tag - SHORT_TAG) .. '|1|u|' .. string.sub(entry, 2)
end

-- Dead letters are "<failed at ms>|<reason length>|<reason><entry or raw value>": the time 1 to
-- 15 digits, the length 1 to 9 digits, then exactly that many reason bytes (as entry.ts reads).
local function parse_dead(letter)
  local at_end = string.find(letter, '|', 1, true)
  local at = at_end and string.sub(letter, 1, at_end - 1)
  if at == nil or #at > 15 or string.find(at, '^[0-9]+$') == nil then return nil end
  local len_end = string.find(letter, '|', at_end + 1, true)
  local len_field = len_end and string.sub(letter, at_end + 1, len_end - 1)
  if not is_count(len_field) then return nil end
  local reason_len = tonumber(len_field)
  if #letter < len_end + reason_len then return nil end
  return {
    reason = string.sub(letter, len_end + 1, len_end + reason_len),
    value = string.sub(letter, len_end + reason_len + 1),
  }
end

local function pack_dead(now, reason, value)
  return now .. '|' .. #reason .. '|' .. reason .. value
end
