-- wrk script: replays one request, read from the file named by $TRTC_LOAD_REQUEST (written by
-- sign.py: method line, `Name: value` header lines, empty line, body). No request()/response()
-- callbacks, so wrk builds the request once per thread and sends it as fast as it can.

local path = os.getenv("TRTC_LOAD_REQUEST")
if path == nil or path == "" then
  error("TRTC_LOAD_REQUEST is not set")
end
local f = assert(io.open(path, "rb"))
wrk.method = assert(f:read("*l"), "empty request file")
wrk.headers = {}
while true do
  local line = f:read("*l")
  if line == nil or line == "" then
    break
  end
  local name, value = line:match("^([^:]+):%s*(.*)$")
  assert(name, "bad header line: " .. line)
  wrk.headers[name] = value
end
local body = f:read("*a")
f:close()
if body ~= nil and body ~= "" then
  wrk.body = body
else
  wrk.body = nil
end
