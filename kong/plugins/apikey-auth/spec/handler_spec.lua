-- Behaviour of the apikey-auth plugin's access phase, driven through the
-- stand-in PDK in fake_kong.lua.
local fake = require("kong.plugins.apikey-auth.spec.fake_kong")

local AUTH1 = "http://auth1:8080/auth/verify/apikey"
local AUTH2 = "http://auth2:8080/auth/verify/apikey"
local OK = { status = 200, body = '{"code":"10000","status":200,"message":"success"}',
             headers = { ["Content-Type"] = "application/json; charset=utf-8" } }
local FORBIDDEN = { status = 403, body = '{"code":"10001","status":403,"message":"permission denied: invalid x-api-key"}',
                    headers = { ["Content-Type"] = "application/json; charset=utf-8" } }

describe("apikey-auth", function()
  local world, conf

  -- One request through the plugin's access phase.
  local function request(path, api_key)
    world.exits = {}
    world.request.path = path or "/blog/list"
    world.request.headers = { ["x-api-key"] = api_key }
    world.handler:access(conf)
    return world.exits[1]
  end

  before_each(function()
    world = fake.install()
    conf = fake.config()
  end)

  describe("health paths", function()
    for _, path in ipairs({ "/auth/health", "/blog/health", "/health/live", "/health/ready" }) do
      it("lets " .. path .. " through without a key and without calling auth", function()
        assert.is_nil(request(path, nil))
        assert.equal(0, #world.calls)
      end)
    end

    it("does not treat a longer path that starts like a health path as public", function()
      assert.equal(401, request("/auth/health/../users", nil).status)
      assert.equal(401, request("/auth/healthz", nil).status)
    end)

    it("uses the configured public paths rather than a built-in list", function()
      conf = fake.config({ public_paths = { "/blog/health" } })
      assert.equal(401, request("/auth/health", nil).status)
      assert.is_nil(request("/blog/health", nil))
    end)
  end)

  describe("a missing key", function()
    it("is answered 401 in the product's envelope without calling auth", function()
      local exit = request("/blog/list", nil)
      assert.equal(401, exit.status)
      assert.same({ code = "10001", status = 401, message = "x-api-key header is missing" }, exit.body)
      assert.equal(0, #world.calls)
    end)

    it("includes an empty header value", function()
      assert.equal(401, request("/blog/list", "").status)
      assert.equal(0, #world.calls)
    end)
  end)

  describe("a valid key", function()
    before_each(function()
      world.answers[AUTH1] = OK
      world.answers[AUTH2] = OK
    end)

    it("is verified with a GET carrying the key, within the configured timeout", function()
      assert.is_nil(request("/blog/list", "key-1"))
      assert.equal(1, #world.calls)
      assert.equal(AUTH1, world.calls[1].url)
      assert.equal("GET", world.calls[1].params.method)
      assert.equal("key-1", world.calls[1].params.headers["x-api-key"])
      assert.equal(2000, world.calls[1].timeout)
    end)

    it("is served from the cache on the next request, with no second call", function()
      request("/blog/list", "key-1")
      assert.is_nil(request("/auth/signin/basic", "key-1"))
      assert.equal(1, #world.calls)
    end)

    it("is cached for cache_ttl seconds and verified again once that has passed", function()
      conf = fake.config({ cache_ttl = 30 })
      request("/blog/list", "key-1")
      world.clock.now = world.clock.now + 29
      request("/blog/list", "key-1")
      assert.equal(1, #world.calls)
      world.clock.now = world.clock.now + 1
      assert.is_nil(request("/blog/list", "key-1"))
      assert.equal(2, #world.calls)
    end)

    it("does not vouch for a different key", function()
      request("/blog/list", "key-1")
      request("/blog/list", "key-2")
      assert.equal(2, #world.calls)
      assert.equal("key-2", world.calls[2].params.headers["x-api-key"])
    end)

    it("is cached under a hash of the key, never the key itself", function()
      request("/blog/list", "secret-key-1")
      local stored = 0
      for cache_key in pairs(world.cache.entries) do
        stored = stored + 1
        assert.is_nil(cache_key:find("secret-key-1", 1, true))
        assert.truthy(cache_key:find("^apikey%-auth:%x+$"))
      end
      assert.equal(1, stored)
    end)

    it("still passes when the shared dict is full, only uncached", function()
      world.cache.full = true
      assert.is_nil(request("/blog/list", "key-1"))
      assert.is_nil(request("/blog/list", "key-1"))
      assert.equal(2, #world.calls)
    end)

    it("never writes the key to the log", function()
      world.answers[AUTH1] = { err = "timeout" }
      request("/blog/list", "secret-key-1")
      assert.is_true(#world.logs > 0)
      for _, entry in ipairs(world.logs) do
        assert.is_nil(entry.message:find("secret-key-1", 1, true))
      end
    end)
  end)

  describe("an answer other than 200", function()
    it("returns the auth service's 403 to the client as it is", function()
      world.answers[AUTH1] = FORBIDDEN
      local exit = request("/blog/list", "bad-key")
      assert.equal(403, exit.status)
      assert.equal(FORBIDDEN.body, exit.body)
      assert.equal("application/json; charset=utf-8", exit.headers["Content-Type"])
    end)

    it("is not cached, so the key is asked about again", function()
      world.answers[AUTH1] = FORBIDDEN
      request("/blog/list", "bad-key")
      request("/blog/list", "bad-key")
      assert.equal(2, #world.calls)
      assert.equal(0, world.cache.sets)
    end)

    it("is final: a 500 is returned as it is and the next URL is not tried", function()
      world.answers[AUTH1] = { status = 500, body = "boom" }
      world.answers[AUTH2] = OK
      local exit = request("/blog/list", "key-1")
      assert.equal(500, exit.status)
      assert.equal("boom", exit.body)
      assert.equal(1, #world.calls)
    end)
  end)

  describe("an unreachable verification URL", function()
    it("is skipped for the next URL when the connection is refused", function()
      world.answers[AUTH1] = { err = "connection refused" }
      world.answers[AUTH2] = OK
      assert.is_nil(request("/blog/list", "key-1"))
      assert.same({ AUTH1, AUTH2 }, { world.calls[1].url, world.calls[2].url })
    end)

    it("is skipped for the next URL when it times out", function()
      world.answers[AUTH1] = { err = "timeout" }
      world.answers[AUTH2] = FORBIDDEN
      assert.equal(403, request("/blog/list", "bad-key").status)
      assert.equal(2, #world.calls)
    end)

    it("is not tried once an earlier URL answered", function()
      world.answers[AUTH1] = OK
      request("/blog/list", "key-1")
      assert.equal(1, #world.calls)
      assert.equal(AUTH1, world.calls[1].url)
    end)
  end)

  describe("no verification URL answering", function()
    before_each(function()
      world.answers[AUTH1] = { err = "connection refused" }
      world.answers[AUTH2] = { err = "timeout" }
    end)

    it("fails closed with 503 in the envelope after trying every URL", function()
      local exit = request("/blog/list", "key-1")
      assert.equal(503, exit.status)
      assert.same({ code = "10001", status = 503, message = "api key verification unavailable" }, exit.body)
      assert.equal(2, #world.calls)
    end)

    it("caches nothing, so the key is verified once auth is back", function()
      request("/blog/list", "key-1")
      world.answers[AUTH1] = OK
      assert.is_nil(request("/blog/list", "key-1"))
      assert.equal(3, #world.calls)
    end)
  end)

  describe("without the shared dict", function()
    it("verifies every request and warns that nothing is cached", function()
      world = fake.install({ without_shared_dict = true })
      world.answers[AUTH1] = OK
      assert.is_nil(request("/blog/list", "key-1"))
      assert.is_nil(request("/blog/list", "key-1"))
      assert.equal(2, #world.calls)
      assert.truthy(world.logs[1].message:find("apikey_auth_cache", 1, true))
    end)
  end)

  it("declares a priority and a version, as Kong requires of a handler", function()
    assert.equal("number", type(world.handler.PRIORITY))
    assert.equal("string", type(world.handler.VERSION))
  end)
end)
