-- Entries are "<priority>|<deliveries>|<id length>|<id><body>": the broker reads the header,
-- never the body. An id length of "u" means a UUID stored as its 16 raw bytes. Returns nil
-- for anything else (a foreign or corrupted value).
local function parse_entry(entry)
  if type(entry) ~= 'string' then return nil end
  local p = tonumber(string.sub(entry, 1, 1))
  if p == nil or string.sub(entry, 2, 2) ~= '|' then return nil end
  local dc_end = string.find(entry, '|', 3, true)
  if dc_end == nil then return nil end
  local dc = tonumber(string.sub(entry, 3, dc_end - 1))
  local len_end = string.find(entry, '|', dc_end + 1, true)
  if dc == nil or len_end == nil then return nil end
  local len_field = string.sub(entry, dc_end + 1, len_end - 1)
  local id_len = len_field == 'u' and 16 or tonumber(len_field)
  if id_len == nil or #entry < len_end + id_len then return nil end
  local id = string.sub(entry, len_end + 1, len_end + id_len)
  local rest = string.sub(entry, dc_end + 1)
  return { priority = p, deliveries = dc, id = id, rest = rest }
end

local function pack_entry(priority, deliveries, rest)
  return priority .. '|' .. deliveries .. '|' .. rest
end

-- Dead letters are "<failed at ms>|<reason length>|<reason><entry or raw value>".
local function pack_dead(now, reason, value)
  return now .. '|' .. #reason .. '|' .. reason .. value
end
