-- The plugin's configuration schema: names, requirements and defaults that
-- kong.yml and kong-load-balanced.yml rely on.
local fake = require("kong.plugins.apikey-auth.spec.fake_kong")

describe("apikey-auth schema", function()
  local schema, config_fields

  before_each(function()
    fake.install()
    schema = require("kong.plugins.apikey-auth.schema")
    config_fields = {}
    for _, field in ipairs(schema.fields) do
      local name, definition = next(field)
      if name == "config" then
        for _, config_field in ipairs(definition.fields) do
          local config_name, config_definition = next(config_field)
          config_fields[config_name] = config_definition
        end
      end
    end
  end)

  it("is named like the plugin directory, which is how Kong finds it", function()
    assert.equal("apikey-auth", schema.name)
  end)

  it("requires at least one verification URL", function()
    assert.is_true(config_fields.verification_urls.required)
    assert.equal(1, config_fields.verification_urls.len_min)
  end)

  it("only accepts a positive cache_ttl, since 0 would cache forever in a shared dict", function()
    assert.equal(0, config_fields.cache_ttl.gt)
    assert.equal(0, config_fields.timeout.gt)
  end)

  it("has the defaults the specs' configuration assumes", function()
    local conf = fake.config()
    assert.equal(conf.cache_ttl, config_fields.cache_ttl.default)
    assert.equal(conf.timeout, config_fields.timeout.default)
    assert.same(conf.public_paths, config_fields.public_paths.default)
  end)

  it("lets only the health paths and the JWKS through by default", function()
    assert.same({ "/auth/health", "/blog/health", "/health/live", "/health/ready", "/auth/.well-known/jwks.json" },
      config_fields.public_paths.default)
  end)
end)
