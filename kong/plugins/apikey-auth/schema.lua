-- Configuration schema of the apikey-auth plugin.
--
-- The plugin asks the Auth module whether an x-api-key is valid, so the
-- gateway never holds the keys itself: a key created or deactivated with the
-- Host's `apikey create` admin command takes effect without touching Kong.
local typedefs = require "kong.db.schema.typedefs"

return {
  name = "apikey-auth",
  fields = {
    -- Keys belong to clients of the whole platform, not to Kong consumers.
    { consumer = typedefs.no_consumer },
    { protocols = typedefs.protocols_http },
    { config = {
        type = "record",
        fields = {
          -- Tried in order; the next one is used only when a URL does not
          -- answer at all (connection error or timeout). Listing every auth
          -- instance keeps verification working while one is down.
          { verification_urls = {
              type = "array",
              required = true,
              len_min = 1,
              elements = typedefs.url,
          } },
          -- Seconds a positive verification is trusted. This is also the
          -- longest time a deactivated key keeps working through Kong.
          { cache_ttl = { type = "number", required = true, default = 60, gt = 0 } },
          -- Milliseconds for connect, send and read of one verification call.
          { timeout = { type = "integer", required = true, default = 2000, gt = 0 } },
          -- Exact paths that need no key, as the Host serves them: the health
          -- endpoints, which load balancers and probes call without
          -- credentials, and the JWKS (public keys that verify tokens).
          { public_paths = {
              type = "array",
              required = true,
              default = { "/auth/health", "/blog/health", "/health/live", "/health/ready", "/auth/.well-known/jwks.json" },
              elements = { type = "string", match = "^/" },
          } },
        },
    } },
  },
}
