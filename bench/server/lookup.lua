-- wrk: a self-service look-up (decided, logged, fetched from the demo Mosaic, sealed as a
-- disclosure and logged again) with a bearer token (TOKEN in the environment).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

-- With SUBJECTS=N above 1 (server_bench.sh adds MOS-S0000000 .. N-1 to the source), each
-- look-up asks about one of them at random.
local subjects = tonumber(os.getenv("SUBJECTS") or "1")
if subjects > 1 then
  local base = nil
  local threads = 0
  setup = function(thread)  -- runs in the main state: each thread gets a seed of its own
    threads = threads + 1
    thread:set("seed", os.time() * 100 + threads)
  end
  init = function(args)
    math.randomseed(seed)
  end
  request = function()
    if base == nil then base = wrk.path:gsub("subject=[^&]*", "") end
    return wrk.format(nil, base .. string.format("subject=MOS-S%07d", math.random(0, subjects - 1)))
  end
end
