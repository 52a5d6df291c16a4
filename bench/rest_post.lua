-- wrk script for bench/rest.py: POST rotating JSON bodies to one path.
--   wrk ... -s bench/rest_post.lua http://127.0.0.1:PORT -- /api/messages /path/to/bodies.txt
-- bodies.txt holds one JSON document per line (e.g. {"data": {...}}); each
-- request sends the next one. Headers given with wrk -H (e.g. Authorization)
-- are kept. Requests are formatted once in init().

local requests = {}
local index = 0

function init(args)
  local path = args[1]
  local file = assert(io.open(args[2], "r"), "cannot open bodies file " .. tostring(args[2]))
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Content-Type"] = "application/json"
  for line in file:lines() do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", path, headers, line)
    end
  end
  file:close()
  assert(#requests > 0, "bodies file is empty")
  index = math.random(#requests) - 1
end

function request()
  index = index % #requests + 1
  return requests[index]
end
