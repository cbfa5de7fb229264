-- apikey-auth: checks the x-api-key header of every request by asking the
-- Auth module (GET /auth/verify/apikey) before Kong proxies the request.
--
-- Written in Lua, Kong's native plugin language, so the gateway needs no
-- external plugin server process (the Go reference ran one for its Go plugin).
--
-- Decisions, and why:
-- * Health paths pass untouched: probes and load balancers carry no key.
-- * A missing key is answered here (401, with the reference plugin's text)
--   without a network call, in the product's error envelope so clients see
--   one error format.
-- * Verification URLs are tried in order; the next URL is tried only when a
--   URL gives no HTTP answer (connection refused, timeout). An HTTP answer
--   other than 200 (403 for an unknown key, but also a 5xx) is the Auth
--   module's word on this request, so it reaches the client as it is.
-- * Only positive answers are cached, for config.cache_ttl seconds, in a
--   shared dict that all nginx workers see: a steady client costs one call per
--   TTL, while a newly created key works at once (nothing negative to expire).
--   The cache key is a SHA-256 of the api key so no secret sits in memory
--   dumps of the dict, and the key itself is never logged.
-- * No answer from any URL fails closed (503): an unverifiable key must never
--   reach the services.
local http = require "resty.http"
local sha256 = require "resty.sha256"
local to_hex = require("resty.string").to_hex

-- Declared in kong/Dockerfile through KONG_NGINX_HTTP_LUA_SHARED_DICT.
local CACHE_DICT = "apikey_auth_cache"
local CACHE_PREFIX = "apikey-auth:"
local ERROR_CODE = "10001"

local MISSING_KEY = "x-api-key header is missing"
local UNAVAILABLE = "api key verification unavailable"

local ApikeyAuthHandler = {
  -- Authentication plugins run around 1000-1500; this one sits with
  -- Kong's own key-auth (1250) so rate limiting and logging plugins that
  -- run later see only verified traffic.
  PRIORITY = 1250,
  VERSION = "1.0.0",
}

local function deny(status, message)
  return kong.response.exit(status, { code = ERROR_CODE, status = status, message = message })
end

local function is_public(path, public_paths)
  for _, public_path in ipairs(public_paths) do
    if path == public_path then
      return true
    end
  end
  return false
end

local function cache_key(api_key)
  local digest = sha256:new()
  digest:update(api_key)
  return CACHE_PREFIX .. to_hex(digest:final())
end

-- Returns the first HTTP answer, or nil when no URL answered at all.
local function ask_auth(conf, api_key)
  for _, url in ipairs(conf.verification_urls) do
    local client = http.new()
    client:set_timeout(conf.timeout)
    local res, err = client:request_uri(url, {
      method = "GET",
      headers = { ["x-api-key"] = api_key },
    })
    if res then
      return res
    end
    kong.log.warn("api key verification via ", url, " got no answer: ", err)
  end
  return nil
end

function ApikeyAuthHandler:access(conf)
  if is_public(kong.request.get_path(), conf.public_paths) then
    return
  end

  local api_key = kong.request.get_header("x-api-key")
  if api_key == nil or api_key == "" then
    return deny(401, MISSING_KEY)
  end

  local cache = ngx.shared[CACHE_DICT]
  if cache == nil then
    -- Still correct without the dict, only slower: every request is verified.
    kong.log.warn("shared dict ", CACHE_DICT, " is not declared; api keys are not cached")
  end

  local key = cache_key(api_key)
  if cache and cache:get(key) then
    return
  end

  local res = ask_auth(conf, api_key)
  if res == nil then
    kong.log.err("no verification url answered; refusing the request")
    return deny(503, UNAVAILABLE)
  end

  if res.status == 200 then
    if cache then
      local ok, err = cache:set(key, true, conf.cache_ttl)
      if not ok then
        -- A full dict only costs extra verification calls; the key is valid.
        kong.log.warn("could not cache an api key verification: ", err)
      end
    end
    return
  end

  local headers = {}
  local content_type = res.headers and res.headers["Content-Type"]
  if content_type then
    headers["Content-Type"] = content_type
  end
  return kong.response.exit(res.status, res.body, headers)
end

return ApikeyAuthHandler
