-- wrk script for bench/api.py: every request carries the viewer's API token
-- (SLUICE_TOKEN) and takes the next path of SLUICE_PATHS (space-separated) in turn, so the
-- 64 connections send an even mix of the routes.
local token = os.getenv("SLUICE_TOKEN")
local paths = {}
for p in string.gmatch(os.getenv("SLUICE_PATHS"), "%S+") do
  paths[#paths + 1] = p
end
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1],
                    {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json"})
end
