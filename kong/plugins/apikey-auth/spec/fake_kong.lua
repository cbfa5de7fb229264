-- A small stand-in for the parts of Kong's PDK, OpenResty and lua-resty-http
-- that the apikey-auth plugin uses, so its logic runs under plain busted.
-- Kong itself cannot be installed here; this fake records what the plugin
-- asks for and answers with what a spec scripted.
local fake = {}

local MODULES = {
  "resty.http",
  "resty.sha256",
  "resty.string",
  "kong.db.schema.typedefs",
  "kong.plugins.apikey-auth.handler",
  "kong.plugins.apikey-auth.schema",
}

-- A shared dict with a controllable clock, like ngx.shared.DICT: set() takes
-- an expiry in seconds and get() returns nil once it has passed.
local function new_shared_dict(clock)
  local entries = {}
  local dict = { entries = entries, sets = 0 }
  function dict:get(key)
    local entry = entries[key]
    if entry == nil then
      return nil
    end
    if entry.expires_at and clock.now >= entry.expires_at then
      entries[key] = nil
      return nil
    end
    return entry.value
  end
  function dict:set(key, value, exptime)
    self.sets = self.sets + 1
    if self.full then
      return false, "no memory"
    end
    local expires_at = nil
    if exptime and exptime > 0 then
      expires_at = clock.now + exptime
    end
    entries[key] = { value = value, expires_at = expires_at }
    return true
  end
  return dict
end

-- Installs the fakes as globals and in package.loaded, then loads the
-- plugin's handler fresh. Returns the world a spec inspects and drives.
function fake.install(options)
  options = options or {}
  for _, name in ipairs(MODULES) do
    package.loaded[name] = nil
  end

  local world = {
    clock = { now = 1000 },
    request = { path = "/blog/list", headers = {} },
    exits = {},
    logs = {},
    -- url -> answer: { status =, body =, headers = } or { err = "..." }
    answers = {},
    calls = {},
    digests = {},
  }

  local function log(level)
    return function(...)
      local parts = {}
      for i = 1, select("#", ...) do
        parts[#parts + 1] = tostring((select(i, ...)))
      end
      world.logs[#world.logs + 1] = { level = level, message = table.concat(parts) }
    end
  end

  _G.kong = {
    request = {
      get_path = function() return world.request.path end,
      get_header = function(name) return world.request.headers[string.lower(name)] end,
    },
    response = {
      exit = function(status, body, headers)
        -- Kong ends the request on exit; a second exit means the plugin
        -- carried on after answering, which is a bug worth failing on.
        assert(#world.exits == 0, "kong.response.exit called twice")
        world.exits[#world.exits + 1] = { status = status, body = body, headers = headers }
      end,
    },
    log = { err = log("err"), warn = log("warn"), debug = log("debug") },
  }

  world.cache = new_shared_dict(world.clock)
  local shared = {}
  if not options.without_shared_dict then
    shared.apikey_auth_cache = world.cache
  end
  _G.ngx = {
    shared = shared,
    now = function() return world.clock.now end,
  }

  package.loaded["resty.http"] = {
    new = function()
      local client = { timeout = nil }
      function client:set_timeout(ms)
        self.timeout = ms
      end
      function client:request_uri(url, params)
        world.calls[#world.calls + 1] = { url = url, params = params, timeout = self.timeout }
        local answer = world.answers[url]
        if answer == nil then
          return nil, "connection refused"
        end
        if answer.err then
          return nil, answer.err
        end
        return { status = answer.status, body = answer.body, headers = answer.headers or {} }
      end
      return client
    end,
  }

  -- Not SHA-256: each distinct input gets its own opaque digest, which is all
  -- the plugin relies on (same key, same cache entry; no raw key stored).
  package.loaded["resty.sha256"] = {
    new = function()
      local input = {}
      return {
        update = function(_, data) input[#input + 1] = data end,
        final = function()
          local text = table.concat(input)
          if world.digests[text] == nil then
            local count = 0
            for _ in pairs(world.digests) do count = count + 1 end
            world.digests[text] = "digest" .. (count + 1)
          end
          return world.digests[text]
        end,
      }
    end,
  }
  package.loaded["resty.string"] = {
    to_hex = function(bytes)
      return (bytes:gsub(".", function(c) return string.format("%02x", c:byte()) end))
    end,
  }

  package.loaded["kong.db.schema.typedefs"] = {
    no_consumer = { type = "foreign" },
    protocols_http = { type = "set", default = { "http", "https" } },
    url = { type = "string", custom_validator = function() return true end },
  }

  world.handler = require("kong.plugins.apikey-auth.handler")
  return world
end

-- The configuration Kong would hand the plugin after applying the schema's
-- defaults, with the given fields overriding them.
function fake.config(overrides)
  local conf = {
    verification_urls = { "http://auth1:8080/auth/verify/apikey", "http://auth2:8080/auth/verify/apikey" },
    cache_ttl = 60,
    timeout = 2000,
    public_paths = { "/auth/health", "/blog/health", "/health/live", "/health/ready", "/auth/.well-known/jwks.json" },
  }
  for name, value in pairs(overrides or {}) do
    conf[name] = value
  end
  return conf
end

return fake
