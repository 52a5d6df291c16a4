-- wrk script for bench/rest.py: GET a rotating list of paths.
--   wrk ... -s bench/rest_paths.lua http://127.0.0.1:PORT -- /path/to/paths.txt
-- paths.txt holds one request path per line (e.g. /api/messages/<documentId>);
-- each connection walks the list from its own offset. Requests are formatted
-- once in init(), so the Lua side costs next to nothing per request.

local requests = {}
local index = 0

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open paths file " .. tostring(args[1]))
  for line in file:lines() do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", line)
    end
  end
  file:close()
  assert(#requests > 0, "paths file is empty")
  index = math.random(#requests) - 1
end

function request()
  index = index % #requests + 1
  return requests[index]
end
