-- The wrk script of every benchmark round, set up by environment variables
-- (bench/run.sh sets them):
--
--   BENCH_TOKEN        one bearer token for every request
--   BENCH_TOKENS_FILE  a file of tokens, one a line, sent in turn: with
--                      more tokens than the gateway's cache, every request
--                      misses it
--   BENCH_METHOD       GET (default) or POST
--   BENCH_BODY_FILE    the request body, sent as application/json
--   BENCH_STOP_AFTER   stop after this many responses (per thread)
--   BENCH_STOP_FILE    created when BENCH_STOP_AFTER is reached
--   BENCH_MIX          "1" (with BENCH_TOKENS_FILE, BENCH_TOKEN and
--                      BENCH_BODY_FILE): of every four requests, one POST of
--                      the body and one GET with BENCH_TOKEN, two GETs with
--                      the next tokens of the file (the memory soak)
--
-- At the end it prints one line for run.sh:
--   BENCH requests=N duration_us=N non2xx=N errors=N p50=US p99=US max=US

local method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")
local tokens_file = os.getenv("BENCH_TOKENS_FILE")
local body_file = os.getenv("BENCH_BODY_FILE")
local stop_after = tonumber(os.getenv("BENCH_STOP_AFTER") or "")
local mix = os.getenv("BENCH_MIX") == "1"

local function slurp(name)
    local f = assert(io.open(name, "rb"))
    local data = f:read("*a")
    f:close()
    return data
end

local body
if body_file then
    body = slurp(body_file)
end

local function headers_for(t, with_body)
    local h = { ["Authorization"] = "Bearer " .. t }
    if with_body then
        h["Content-Type"] = "application/json"
    end
    return h
end

local prebuilt = nil

-- wrk decides at load time whether to call request(): it is defined only
-- when requests differ, since a static request is sent much faster
if tokens_file then
    local n = 0
    local next_index = 0

    function request()
        next_index = next_index % n + 1
        return prebuilt[next_index]
    end

    -- every request is formatted once, here, so the load generator spends
    -- its core on sending rather than on building requests
    function init(args)
        prebuilt = {}
        local i = 0
        for t in io.lines(tokens_file) do
            i = i + 1
            if not mix then
                prebuilt[i] = wrk.format(method, nil,
                                         headers_for(t, body ~= nil), body)
            elseif i % 4 == 0 and body then
                prebuilt[i] = wrk.format("POST", nil,
                                         headers_for(token or t, true), body)
            elseif i % 2 == 0 and token then
                prebuilt[i] = wrk.format("GET", nil,
                                         headers_for(token, false), nil)
            else
                prebuilt[i] = wrk.format("GET", nil, headers_for(t, false),
                                         nil)
            end
        end
        n = #prebuilt
        assert(n > 0, "no tokens in " .. tokens_file)
    end
else
    wrk.method = method
    wrk.body = body
    wrk.headers["Authorization"] = "Bearer " .. assert(token, "BENCH_TOKEN")
    if body then
        wrk.headers["Content-Type"] = "application/json"
    end
end

-- wrk's main thread sleeps out the whole duration whatever the threads
-- do, so reaching the count also leaves a file for run.sh, which then ends
-- wrk with SIGINT (wrk still prints its summary)
if stop_after then
    local seen = 0
    local stop_file = os.getenv("BENCH_STOP_FILE")

    function response(status, headers, body)
        seen = seen + 1
        if seen == stop_after then
            if stop_file then
                local f = io.open(stop_file, "w")
                if f then
                    f:close()
                end
            end
            wrk.thread:stop()
        end
    end
end

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d non2xx=%d errors=%d "
        .. "p50=%d p99=%d max=%d\n",
        summary.requests, summary.duration, e.status,
        e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(99), latency.max))
end
