-- The realistic mix of bench/run.sh (issue 35; bench/README.md, "The realistic mix"): many users, each with a token of
-- their own, skewed public reads over thousands of blogs, list pages, author requests and a small share of writes and
-- sign-ins. Each wrk thread draws every request at random from the weights below. Configured by environment variables:
--   BENCH_MIX_DIR  folder of the data files bench/run.sh writes (one item a line):
--                    blogs.txt    published blog ids, most popular first (drawn with a Zipf-like weight 1/rank)
--                    tags.txt     tags, most popular first (likewise)
--                    users.txt    learners' access tokens (profile reads)
--                    authors.txt  "token blog-id" of each author: drafts lists and updates of their own published blog
--                    signins.txt  e-mail addresses whose sign-ins the mix repeats (their tokens are not used, so the
--                                 sessions a sign-in evicts past Auth:Sessions:MaxPerUser break nothing)
--   BENCH_MIX_PART all (default) or blog: only the /blog requests, in the same proportions among themselves (for a
--                  blog process on its own, which does not serve /auth)
--   BENCH_PASSWORD the users' password; BENCH_API_KEY value of x-api-key
-- No response() callback: it would make wrk parse every answer in Lua; wrk counts non-2xx answers itself.

local dir = os.getenv("BENCH_MIX_DIR")
local key = os.getenv("BENCH_API_KEY") or ""
local password = os.getenv("BENCH_PASSWORD") or ""

local function lines(name)
  local t = {}
  for l in io.lines(dir .. "/" .. name) do if l ~= "" then t[#t + 1] = l end end
  return t
end

-- Cumulative weights 1/rank^s: rank 1 is drawn most, the tail rarely (s = 1, Zipf's law as web popularity roughly follows).
local function zipf(n, s)
  local c, total = {}, 0
  for k = 1, n do total = total + 1 / (k ^ s); c[k] = total end
  for k = 1, n do c[k] = c[k] / total end
  return c
end
local function draw(cumulative)
  local r, lo, hi = math.random(), 1, #cumulative
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cumulative[mid] < r then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- Percent of requests, in order (the last takes the rest).
local mix = {
  { "blog",        56.0 }, -- GET /blog/id/{id}, Zipf over the blogs
  { "latest",      10.0 }, -- GET /blog/list/latest, first page
  { "tag",         10.0 }, -- GET /blog/list/tag/{tag}, first page, Zipf over the tags
  { "deeper",       3.0 }, -- GET /blog/list/latest, pages 2-5 (never cached)
  { "profile",     10.0 }, -- GET /auth/profile/mine with one of the learners' tokens
  { "drafts",       8.5 }, -- GET /blog/author/drafts with one of the authors' tokens
  { "update",       1.5 }, -- PUT /blog/author: an author edits the title of their published blog (evicts views and lists)
  { "create",       0.5 }, -- POST /blog/author: an author starts a draft
  { "signin",       0.5 }, -- POST /auth/signin/basic (PBKDF2, ADR 4)
}

if os.getenv("BENCH_MIX_PART") == "blog" then
  for _, m in ipairs(mix) do if m[1] == "profile" or m[1] == "signin" then m[2] = 0 end end
end

local blogs, tags, users, authors, signins, blog_rank, tag_rank, cumulative
local counter, thread_id = 0, 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
end

function init(args)
  blogs, tags, users, signins = lines("blogs.txt"), lines("tags.txt"), lines("users.txt"), lines("signins.txt")
  authors = {}
  for _, l in ipairs(lines("authors.txt")) do
    local token, blog = l:match("^(%S+) (%S+)$")
    authors[#authors + 1] = { token = token, blog = blog }
  end
  blog_rank, tag_rank = zipf(#blogs, 1.0), zipf(#tags, 1.0)
  cumulative = {}
  local total = 0
  local sum = 0
  for _, m in ipairs(mix) do sum = sum + m[2] end
  for i, m in ipairs(mix) do total = total + m[2]; cumulative[i] = total / sum end
  -- The last kind with a weight takes any rounding rest; a kind of weight 0 is never drawn.
  for i = #mix, 1, -1 do if mix[i][2] > 0 then cumulative[i] = 1; break end end
  math.randomseed(os.time() * 100 + (id or 0))
end

local function headers(token, json)
  local h = { ["x-api-key"] = key }
  if token then h["Authorization"] = "Bearer " .. token end
  if json then h["Content-Type"] = "application/json" end
  return h
end

function request()
  local kind = mix[draw(cumulative)][1]
  if kind == "blog" then
    return wrk.format("GET", "/blog/id/" .. blogs[draw(blog_rank)], headers())
  elseif kind == "latest" then
    return wrk.format("GET", "/blog/list/latest?page=1&limit=10", headers())
  elseif kind == "tag" then
    return wrk.format("GET", "/blog/list/tag/" .. tags[draw(tag_rank)] .. "?page=1&limit=10", headers())
  elseif kind == "deeper" then
    return wrk.format("GET", "/blog/list/latest?page=" .. math.random(2, 5) .. "&limit=10", headers())
  elseif kind == "profile" then
    return wrk.format("GET", "/auth/profile/mine", headers(users[math.random(#users)]))
  elseif kind == "drafts" then
    return wrk.format("GET", "/blog/author/drafts?page=1&limit=10", headers(authors[math.random(#authors)].token))
  elseif kind == "update" then
    local a = authors[math.random(#authors)]
    counter = counter + 1
    return wrk.format("PUT", "/blog/author", headers(a.token, true),
      string.format('{"_id":"%s","title":"Edited by the mix %d-%d"}', a.blog, id or 0, counter))
  elseif kind == "create" then
    local a = authors[math.random(#authors)]
    counter = counter + 1
    local slug = string.format("mix-%d-%d-%d", id or 0, os.time(), counter)
    return wrk.format("POST", "/blog/author", headers(a.token, true), string.format(
      '{"title":"A draft of the mix %s","description":"Written by bench/wrk/mix.lua","draftText":"Draft text.","slug":"%s",' ..
      '"imgUrl":"https://example.com/img/%s.png","tags":["MIX"]}', slug, slug, slug))
  else
    return wrk.format("POST", "/auth/signin/basic", headers(nil, true),
      string.format('{"email":"%s","password":"%s"}', signins[math.random(#signins)], password))
  end
end

-- One machine-readable line after wrk's own report; latencies in microseconds (as bench/wrk/scenario.lua).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
