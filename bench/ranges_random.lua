-- wrk script for bench/ranges.sh: each request asks for 1 KiB at a random offset of a file of
-- RANGE_FILE_SIZE bytes.
local size = tonumber(os.getenv("RANGE_FILE_SIZE"))
local span = 1024
math.randomseed(os.time())
request = function()
  local start = math.random(0, size - span)
  return wrk.format("GET", nil, { ["Range"] = "bytes=" .. start .. "-" .. (start + span - 1) })
end
