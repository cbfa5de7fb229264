-- The edge cases of edge_cases.json, the table the gateway role's tests
-- (tests/Integration/Gateway/EdgeApiKeyTableTests.cs) run too, so the Kong
-- plugin and the .NET gateway cannot drift apart.
local fake = require("kong.plugins.apikey-auth.spec.fake_kong")
local json = require("dkjson")

local function read_table()
  local path = "kong/plugins/apikey-auth/spec/edge_cases.json"
  local file = assert(io.open(path, "r"), "cannot open " .. path)
  local text = file:read("*a")
  file:close()
  local decoded, _, err = json.decode(text, 1, json.null)
  assert(decoded, err)
  return decoded
end

local URLS = { "http://auth1:8080/auth/verify/apikey", "http://auth2:8080/auth/verify/apikey" }

-- A scripted instance answer in the fake's shape.
local function fake_answer(answer)
  if answer.fail == "refused" then
    return { err = "connection refused" }
  elseif answer.fail == "timeout" then
    return { err = "timeout" }
  end
  return { status = answer.status, body = answer.body, headers = { ["Content-Type"] = answer.contentType } }
end

describe("apikey-auth against the shared edge-case table", function()
  local cases = read_table().cases

  it("has cases", function()
    assert.is_true(#cases > 0)
  end)

  for _, case in ipairs(cases) do
    it(case.name, function()
      local world = fake.install()
      local conf = fake.config()
      for i, answer in ipairs(case.answers) do
        world.answers[URLS[i]] = fake_answer(answer)
      end
      for n, step in ipairs(case.requests) do
        local where = case.name .. ", request " .. n
        world.exits = {}
        world.request.path = step.path
        world.request.headers = { ["x-api-key"] = step.key ~= json.null and step.key or nil }
        world.handler:access(conf)
        local exit = world.exits[1]
        if step.expect.proxied then
          assert.is_nil(exit, where)
        elseif step.expect.envelope then
          assert.is_not_nil(exit, where)
          assert.equal(step.expect.envelope.status, exit.status, where)
          assert.same(step.expect.envelope, exit.body, where)
        else
          assert.is_not_nil(exit, where)
          assert.equal(step.expect.status, exit.status, where)
          assert.equal(step.expect.body, exit.body, where)
          assert.equal(step.expect.contentType, exit.headers["Content-Type"], where)
        end
        local reached = 0
        for _, call in ipairs(world.calls) do
          local answer = world.answers[call.url]
          if answer == nil or answer.err ~= "connection refused" then
            reached = reached + 1
          end
        end
        assert.equal(step.calls, reached, where)
      end
    end)
  end
end)
