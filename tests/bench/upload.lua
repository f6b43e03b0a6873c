-- wrk script for the 1 MiB upload workload: each request is a POST of
-- 1 MiB.  Setting wrk.method and wrk.body at load time keeps wrk's fast
-- path (the request is built once); report.lua's done() is loaded beside.
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")
