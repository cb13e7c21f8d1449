-- The gateway the benchmark compares the module with: nginx with Debian's
-- lua-nginx-module doing the same checks the way an OpenResty user would
-- write them.  Each request: the X-Interloom-* headers stripped, an HS256
-- bearer token verified (LuaJIT FFI to libcrypto's HMAC, claims read with
-- cjson, verified tokens kept in a per-worker resty.lrucache), one Redis
-- round trip over a pooled cosocket (EVALSHA of a counter script that does
-- what the module's does), the 401 and 429 answers in the API's envelope,
-- X-Request-Id, X-Response-Timestamp and X-RateLimit-* on every response,
-- and an upstream 403 rewritten into the API's 404.
--
-- Not done here, on purpose: validation against the OpenAPI document (no
-- JSON Schema validator for ngx_lua is packaged in Debian), RS*/ES* keys,
-- JWKS, issuer and audience.  The module does all of these.

local ffi = require "ffi"
local bit = require "bit"
local cjson = require "cjson.safe"
local lrucache = require "resty.lrucache"
local base64 = require "ngx.base64"

local C = ffi.C
local band, bor, rshift = bit.band, bit.bor, bit.rshift
local byte, find, sub, lower = string.byte, string.find, string.sub,
                               string.lower
local tonumber, type = tonumber, type
local decode_base64url = base64.decode_base64url
local json_decode = cjson.decode
local ngx_time = ngx.time

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha256(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const char *d, size_t n, unsigned char *md,
                    unsigned int *md_len);
int RAND_bytes(unsigned char *buf, int num);
int CRYPTO_memcmp(const void *a, const void *b, size_t len);
]]

local _M = {}

local conf = {
    leeway = 30,              -- seconds, the module's default
    cache_size = 10000,
    redis_host = "127.0.0.1",
    redis_port = 6379,
    redis_timeout = 50,       -- ms, the module's default
    redis_pool = 64,
    prefix = "interloom-lua:",
}

-- The counter: Redis's own clock decides the minute, the revocation flag
-- and the per-key limit are read when asked for, INCR and its expiry run
-- together.  Reply: {counted (1) or revoked (0), count, limit, reset, now}.
local script = [[
local now = tonumber(redis.call('TIME')[1])
local reset = now - now % 60 + 60
local counter = KEYS[1] .. ':' .. (reset - 60)
local limit = tonumber(ARGV[1])
if ARGV[3] == '1' then
  local o = tonumber(redis.call('GET', KEYS[1] .. ':limit'))
  if o and o >= 0 then limit = math.floor(o) end
end
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[1] .. ':revoked') == 1 then
  return {0, tonumber(redis.call('GET', counter) or '0'), limit, reset, now}
end
local n = redis.call('INCR', counter)
if n == 1 then redis.call('EXPIREAT', counter, reset + 60) end
return {1, n, limit, reset, now}
]]

local script_sha
local secret
local sha256
local cache

local md = ffi.new("unsigned char[32]")
local md_len = ffi.new("unsigned int[1]")

local RAND_POOL = 16 * 256
local rand_pool = ffi.new("unsigned char[?]", RAND_POOL)
local rand_left = 0
local id_buf = ffi.new("char[36]")
local hex = ffi.new("char[17]", "0123456789abcdef")

local redis_down_until = 0
local warned_at = 0

local function envelope(code, message)
    return '{"error":{"code":"' .. code .. '","message":"' .. message
           .. '"}}'
end

local BODY_401 = envelope("unauthorized",
                          "Missing or invalid authentication token.")
local BODY_404 = envelope("not_found", "Not found.")
local BODY_429 = envelope("rate_limit_exceeded",
                          "Too many requests. Try again later.")

local DESCRIPTION = {
    malformed = "The token is malformed",
    bad_signature = "The token signature is invalid",
    algorithm = "The token algorithm is not accepted",
    claim = "The token claims are invalid",
    expired = "The token has expired",
    not_yet_valid = "The token is not yet valid",
    revoked = "The token has been revoked",
    too_large = "The token is too large",
}


local function tohex(s)
    return (s:gsub(".", function(c)
        return string.format("%02x", byte(c))
    end))
end


-- Called from init_by_lua, in the master, before the workers fork.
function _M.init(opts)
    for k, v in pairs(opts) do
        conf[k] = v
    end

    local f = assert(io.open(conf.secret_file, "rb"))
    secret = f:read("*a")
    f:close()

    assert(#secret >= 32, "an HS256 secret needs at least 32 bytes")

    script_sha = tohex(ngx.sha1_bin(script))
    sha256 = C.EVP_sha256()
end


function _M.init_worker()
    cache = assert(lrucache.new(conf.cache_size))
end


local function request_id(incoming)
    if type(incoming) == "string" and #incoming == 36
       and find(incoming, "^%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-"
                          .. "%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x$")
    then
        return lower(incoming)
    end

    if rand_left < 16 then
        if C.RAND_bytes(rand_pool, RAND_POOL) ~= 1 then
            return nil
        end
        rand_left = RAND_POOL
    end

    rand_left = rand_left - 16
    local b = rand_pool + rand_left

    b[6] = bor(band(b[6], 0x0f), 0x40)
    b[8] = bor(band(b[8], 0x3f), 0x80)

    local j = 0
    for i = 0, 15 do
        if i == 4 or i == 6 or i == 8 or i == 10 then
            id_buf[j] = 45
            j = j + 1
        end
        id_buf[j] = hex[rshift(b[i], 4)]
        id_buf[j + 1] = hex[band(b[i], 15)]
        j = j + 2
    end

    ffi.fill(b, 16)

    return ffi.string(id_buf, 36)
end


local ts_sec, ts_text

local function timestamp()
    local now = ngx_time()
    if now ~= ts_sec then
        ts_sec = now
        ts_text = os.date("!%Y-%m-%dT%H:%M:%SZ", now)
    end
    return ts_text
end


local function bearer(value)
    if type(value) ~= "string" then
        return nil, value == nil and "missing" or "malformed"
    end

    local scheme, token = value:match("^[ \t]*(%a+)[ \t]+(.-)[ \t]*$")
    if scheme == nil or lower(scheme) ~= "bearer" then
        return nil, "missing"
    end

    if #token > 8192 then
        return nil, "too_large"
    end

    if token == "" or not find(token, "^[%w%-%._~%+/]+=*$") then
        return nil, "malformed"
    end

    return token
end


local function check_times(claims, now)
    if claims.exp and now - conf.leeway >= claims.exp then
        return "expired"
    end
    if claims.nbf and now + conf.leeway < claims.nbf then
        return "not_yet_valid"
    end
    return nil
end


local function verify(token, now)
    local claims = cache:get(token)
    if claims then
        local why = check_times(claims, now)
        if why then
            return nil, why
        end
        return claims
    end

    local d1 = find(token, ".", 1, true)
    local d2 = d1 and find(token, ".", d1 + 1, true)
    if not d2 or find(token, ".", d2 + 1, true) then
        return nil, "malformed"
    end

    local header = json_decode(decode_base64url(sub(token, 1, d1 - 1))
                               or "")
    if type(header) ~= "table" or header.crit ~= nil
       or (header.typ ~= nil and (type(header.typ) ~= "string"
                                  or lower(header.typ) ~= "jwt"))
    then
        return nil, "malformed"
    end

    if header.alg ~= "HS256" then
        return nil, "algorithm"
    end

    local sig = decode_base64url(sub(token, d2 + 1))
    if not sig or #sig ~= 32 then
        return nil, "bad_signature"
    end

    C.HMAC(sha256, secret, #secret, token, d2 - 1, md, md_len)

    if C.CRYPTO_memcmp(md, sig, 32) ~= 0 then
        return nil, "bad_signature"
    end

    local p = json_decode(decode_base64url(sub(token, d1 + 1, d2 - 1))
                          or "")
    if type(p) ~= "table"
       or type(p.org_id) ~= "string" or p.org_id == ""
       or type(p.jti) ~= "string" or p.jti == ""
       or (p.exp ~= nil and type(p.exp) ~= "number")
       or (p.nbf ~= nil and type(p.nbf) ~= "number")
    then
        return nil, "claim"
    end

    claims = { jti = p.jti, org_id = p.org_id, exp = p.exp, nbf = p.nbf }

    local why = check_times(claims, now)
    if why then
        return nil, why
    end

    if not claims.exp or claims.exp > now then
        cache:set(token, claims, claims.exp and claims.exp - now or nil)
    end

    return claims
end


local function warn(err)
    local now = ngx_time()
    if warned_at ~= now then
        warned_at = now
        ngx.log(ngx.WARN, "interloom-lua: redis ", conf.redis_host, ":",
                conf.redis_port, ": ", err, ", the rate limit is not applied")
    end
end


-- One round trip: {status, count, limit, reset, now}, or nil and an error
-- (the caller then fails open).  After a failure Redis is left alone for
-- a second rather than paying a refused connect on every request.
local function count(key, limit, revocation, overrides)
    local now = ngx_time()
    if now < redis_down_until then
        return nil, "down"
    end

    local sock = ngx.socket.tcp()
    local t = conf.redis_timeout
    sock:settimeouts(t, t, t)

    local ok, err = sock:connect(conf.redis_host, conf.redis_port)
    if not ok then
        redis_down_until = now + 1
        return nil, err
    end

    local args = {
        "\r\n$1\r\n1\r\n$", #key, "\r\n", key,
        "\r\n$", #limit, "\r\n", limit,
        "\r\n$1\r\n", revocation, "\r\n$1\r\n", overrides, "\r\n",
    }

    local line
    ok, err = sock:send({ "*7\r\n$7\r\nEVALSHA\r\n$40\r\n", script_sha,
                          args })
    if ok then
        line, err = sock:receive()
    end

    if line and sub(line, 1, 9) == "-NOSCRIPT" then
        ok, err = sock:send({ "*7\r\n$4\r\nEVAL\r\n$", #script, "\r\n",
                              script, args })
        line = nil
        if ok then
            line, err = sock:receive()
        end
    end

    if line ~= "*5" then
        sock:close()
        return nil, err or ("unexpected reply " .. tostring(line))
    end

    local v = {}
    for i = 1, 5 do
        line, err = sock:receive()
        if not line or byte(line, 1) ~= 58 then      -- ':'
            sock:close()
            return nil, err or "unexpected element"
        end
        v[i] = tonumber(sub(line, 2))
    end

    sock:setkeepalive(60000, conf.redis_pool)

    return v
end


local function reject(status, body, headers)
    ngx.status = status
    local h = ngx.header
    for k, v in pairs(headers) do
        h[k] = v
    end
    h["Content-Type"] = "application/json"
    h["Content-Length"] = #body
    ngx.print(body)
    return ngx.exit(ngx.HTTP_OK)
end


-- access_by_lua: limit is the location's requests per minute; revocation
-- and overrides are "1" or "0", as the module's directives of those names.
function _M.access(limit, revocation, overrides)
    local ctx = ngx.ctx
    local headers = ngx.req.get_headers(100)

    for name in pairs(headers) do
        if sub(name, 1, 12) == "x-interloom-" then
            ngx.req.clear_header(name)
        end
    end

    local id = request_id(headers["x-request-id"])
    if not id then
        return ngx.exit(ngx.HTTP_INTERNAL_SERVER_ERROR)
    end
    ctx.request_id = id
    ngx.req.set_header("X-Request-Id", id)

    local now = ngx_time()
    local claims, why
    local token
    token, why = bearer(headers["authorization"])
    if token then
        claims, why = verify(token, now)
    end

    local key
    if claims then
        key = conf.prefix .. "{" .. claims.jti .. "}"
    else
        key = conf.prefix .. "{ip:" .. ngx.var.remote_addr .. "}"
        revocation, overrides = "0", "0"
    end

    local rl, err = count(key, limit, revocation, overrides)
    if rl then
        ctx.rl = rl
        if rl[1] == 0 then
            claims, why = nil, "revoked"
        end
    else
        warn(err)
    end

    if not claims then
        local challenge = 'Bearer realm="interloom"'
        if why ~= "missing" then
            challenge = challenge .. ', error="invalid_token"'
                        .. ', error_description="' .. DESCRIPTION[why] .. '"'
        end
        return reject(401, BODY_401, { ["WWW-Authenticate"] = challenge })
    end

    if rl and rl[2] > rl[3] then
        local retry = rl[4] - rl[5]
        return reject(429, BODY_429,
                      { ["Retry-After"] = retry < 1 and 1 or retry })
    end
end


function _M.header_filter()
    local ctx = ngx.ctx
    local h = ngx.header

    h["X-Request-Id"] = ctx.request_id or request_id(nil)
    h["X-Response-Timestamp"] = timestamp()

    local rl = ctx.rl
    if rl then
        local left = rl[3] - rl[2]
        h["X-RateLimit-Limit"] = rl[3]
        h["X-RateLimit-Remaining"] = left > 0 and left or 0
        h["X-RateLimit-Reset"] = rl[4]
    else
        h["X-RateLimit-Limit"] = nil
        h["X-RateLimit-Remaining"] = nil
        h["X-RateLimit-Reset"] = nil
    end

    -- the API never says 403: a forbidden resource is one that is not there
    if ngx.status == 403 then
        ngx.status = 404
        ctx.replace = BODY_404
        h["Content-Type"] = "application/json"
        h["Content-Length"] = #BODY_404
        h["Content-Encoding"] = nil
        h["ETag"] = nil
        h["Last-Modified"] = nil
        h["Accept-Ranges"] = nil
    end
end


function _M.body_filter()
    local ctx = ngx.ctx
    local body = ctx.replace
    if not body then
        return
    end

    if ctx.replaced then
        ngx.arg[1] = nil
        return
    end

    ctx.replaced = true
    ngx.arg[1] = body
    ngx.arg[2] = true
end


return _M
