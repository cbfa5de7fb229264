-- The realistic mix of bench/run.sh (issue 35; bench/README.md, "The realistic mix"): many users, each with a token of
-- their own, skewed public reads over thousands of blogs, list pages, comments, author requests and a small share of
-- writes (updates, new drafts, submissions, publications, comments) and sign-ins. Each wrk thread draws every request
-- at random from the weights below. Configured by environment variables:
--   BENCH_MIX_DIR  folder of the data files bench/run.sh writes (one item a line):
--                    blogs.txt    published blog ids, most popular first (drawn with a Zipf-like weight 1/rank)
--                    tags.txt     tags, most popular first (likewise)
--                    users.txt    learners' access tokens (profile reads, comments)
--                    authors.txt  "token blog-id" of each author: drafts lists and updates of their own published blog
--                    editor.txt   an EDITOR's access token (the seeded admin's): publications
--                    signins.txt  e-mail addresses whose sign-ins the mix repeats (their tokens are not used, so the
--                                 sessions a sign-in evicts past Auth:Sessions:MaxPerUser break nothing)
--   BENCH_MIX_PART    all (default) or blog: only the /blog requests, in the same proportions among themselves (for a
--                     blog process on its own, which does not serve /auth)
--   BENCH_MIX_THREADS wrk's thread count (-t): each thread comments with its own slice of the users
--   BENCH_PASSWORD the users' password; BENCH_API_KEY value of x-api-key
--
-- Every answer must be 2xx (wrk counts the others as errors), so the writes that need an id in a given state take it
-- from an earlier answer of the same thread, never from a pool a later run could reuse:
--   create  -> the answer's blog id joins the thread's drafts (the slug the request chose names the author's token);
--   submit  -> the author submits one of those drafts; one submission in flight per thread, since the answer
--              ("blog submitted successfully") names no id and only then is that blog known to be submitted;
--   publish -> the editor publishes one of the thread's submitted blogs, each once.
-- That needs wrk's response() callback, which makes wrk copy every answer's headers and body into Lua: a few µs of
-- wrk's CPU per request (median), within the noise of the monolith's req/s (bench/README.md, "The realistic mix").
-- A submit drawn with no draft ready (or one in flight) is sent as a create, a publish with nothing submitted as a
-- submit (or a create): done() prints what was sent.
--
-- Comments stay under RateLimiting:CommentsPerUser (10 a minute per user, per process) at any request rate and across
-- wrk's runs one after another on the same process, without state shared between runs: each thread comments with its
-- own slice of the users, split into 20 groups, and in the wall-clock second t only group (t mod 20) may comment, each
-- member at most once in that second. A user so comments in at most 4 seconds out of any 70 (a minute plus wrk's 10 s
-- timeout), at most twice in each (two runs can share a second, as each lasts at least 2 s): 8 <= 10. A comment drawn
-- when the second's group is used up is sent as a read of that blog's comments instead (at 1,000 users and 2 threads a
-- thread may comment 25 times a second: the 0.2 % share reaches that only at 12,500 req/s per thread).
local dir = os.getenv("BENCH_MIX_DIR")
local key = os.getenv("BENCH_API_KEY") or ""
local password = os.getenv("BENCH_PASSWORD") or ""
local thread_count = tonumber(os.getenv("BENCH_MIX_THREADS") or "") or 2

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
  { "blog",        53.8 }, -- GET /blog/id/{id}, Zipf over the blogs
  { "latest",      10.0 }, -- GET /blog/list/latest, first page
  { "tag",         10.0 }, -- GET /blog/list/tag/{tag}, first page, Zipf over the tags
  { "deeper",       3.0 }, -- GET /blog/list/latest, pages 2-5 (never cached)
  { "comments",     2.0 }, -- GET /blog/comments/id/{id}, first page, Zipf over the blogs (cached)
  { "profile",     10.0 }, -- GET /auth/profile/mine with one of the learners' tokens
  { "drafts",       8.5 }, -- GET /blog/author/drafts with one of the authors' tokens
  { "update",       1.0 }, -- PUT /blog/author: an author edits the title of their published blog (evicts views and lists)
  { "create",       0.5 }, -- POST /blog/author: an author starts a draft
  { "submit",       0.3 }, -- PUT /blog/author/submit/id/{id}: the author submits a draft this thread created
  { "publish",      0.2 }, -- PUT /blog/editor/publish/id/{id}: the editor publishes a blog this thread submitted
  { "comment",      0.2 }, -- POST /blog/comment: a learner comments on a published blog, Zipf over the blogs
  { "signin",       0.5 }, -- POST /auth/signin/basic (PBKDF2, ADR 4)
}

if os.getenv("BENCH_MIX_PART") == "blog" then
  for _, m in ipairs(mix) do if m[1] == "profile" or m[1] == "signin" then m[2] = 0 end end
end

local blogs, tags, users, authors, editor, signins, blog_rank, tag_rank, cumulative
local counter, thread_id, threads = 0, 0, {}

-- This thread's chain of writes (see the header): drafts it created, as { token, id }; the submission in flight; the
-- blogs it submitted, as ids; the creates in flight, token by slug.
local drafts, submitting, submitted, creating, creating_count = {}, nil, {}, {}, 0
local drafts_first, submitted_first = 1, 1
-- Comment writers: this thread's slice of users.txt, in comment_groups groups of group_size; the second the current
-- group last commented in and how many of it have.
local comment_groups, group_size, writers_first = 20, 0, 1
local comment_second, comment_used = -1, 0
-- Requests sent per kind, for done().
sent = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  threads[#threads + 1] = thread
end

function init(args)
  blogs, tags, users, signins = lines("blogs.txt"), lines("tags.txt"), lines("users.txt"), lines("signins.txt")
  editor = lines("editor.txt")[1]
  authors = {}
  for _, l in ipairs(lines("authors.txt")) do
    local token, blog = l:match("^(%S+) (%S+)$")
    authors[#authors + 1] = { token = token, blog = blog }
  end
  blog_rank, tag_rank = zipf(#blogs, 1.0), zipf(#tags, 1.0)
  cumulative = {}
  local total = 0
  local sum = 0
  for _, m in ipairs(mix) do sum = sum + m[2]; sent[m[1]] = 0 end
  for i, m in ipairs(mix) do total = total + m[2]; cumulative[i] = total / sum end
  -- The last kind with a weight takes any rounding rest; a kind of weight 0 is never drawn.
  for i = #mix, 1, -1 do if mix[i][2] > 0 then cumulative[i] = 1; break end end
  -- Disjoint slices only if every thread knows how many there are.
  assert((id or 1) <= thread_count, "BENCH_MIX_THREADS must be wrk's thread count (-t)")
  local per_thread = math.floor(#users / thread_count)
  group_size = math.floor(per_thread / comment_groups)
  writers_first = ((id or 1) - 1) * per_thread + 1
  math.randomseed(os.time() * 100 + (id or 0))
end

local function headers(token, json)
  local h = { ["x-api-key"] = key }
  if token then h["Authorization"] = "Bearer " .. token end
  if json then h["Content-Type"] = "application/json" end
  return h
end

-- The next comment writer's token, or nil when this second's group has commented once each already.
local function comment_writer()
  local now = os.time()
  if now ~= comment_second then comment_second, comment_used = now, 0 end
  if comment_used >= group_size then return nil end
  comment_used = comment_used + 1
  return users[writers_first + (now % comment_groups) * group_size + comment_used - 1]
end

local function create()
  local a = authors[math.random(#authors)]
  counter = counter + 1
  local slug = string.format("mix-%d-%d-%d", id or 0, os.time(), counter)
  creating[slug] = a.token
  creating_count = creating_count + 1
  sent.create = sent.create + 1
  return wrk.format("POST", "/blog/author", headers(a.token, true), string.format(
    '{"title":"A draft of the mix %s","description":"Written by bench/wrk/mix.lua","draftText":"Draft text.","slug":"%s",' ..
    '"imgUrl":"https://example.com/img/%s.png","tags":["MIX"]}', slug, slug, slug))
end

local function submit()
  if submitting or drafts_first > #drafts then return create() end
  submitting = drafts[drafts_first]
  drafts[drafts_first] = nil
  drafts_first = drafts_first + 1
  sent.submit = sent.submit + 1
  return wrk.format("PUT", "/blog/author/submit/id/" .. submitting.id, headers(submitting.token))
end

function request()
  local kind = mix[draw(cumulative)][1]
  if kind == "create" then
    return create()
  elseif kind == "submit" then
    return submit()
  elseif kind == "publish" then
    if submitted_first > #submitted then return submit() end
    local blog = submitted[submitted_first]
    submitted[submitted_first] = nil
    submitted_first = submitted_first + 1
    sent.publish = sent.publish + 1
    return wrk.format("PUT", "/blog/editor/publish/id/" .. blog, headers(editor))
  end
  local blog_id
  if kind == "comment" then
    blog_id = blogs[draw(blog_rank)]
    local writer = comment_writer()
    if writer then
      sent.comment = sent.comment + 1
      return wrk.format("POST", "/blog/comment", headers(writer, true), string.format('{"blogId":"%s","text":"A comment of the mix"}', blog_id))
    end
    kind = "comments"
  end
  sent[kind] = sent[kind] + 1
  if kind == "blog" then
    return wrk.format("GET", "/blog/id/" .. blogs[draw(blog_rank)], headers())
  elseif kind == "latest" then
    return wrk.format("GET", "/blog/list/latest?page=1&limit=10", headers())
  elseif kind == "tag" then
    return wrk.format("GET", "/blog/list/tag/" .. tags[draw(tag_rank)] .. "?page=1&limit=10", headers())
  elseif kind == "deeper" then
    return wrk.format("GET", "/blog/list/latest?page=" .. math.random(2, 5) .. "&limit=10", headers())
  elseif kind == "comments" then
    return wrk.format("GET", "/blog/comments/id/" .. (blog_id or blogs[draw(blog_rank)]) .. "?page=1&limit=10", headers())
  elseif kind == "profile" then
    return wrk.format("GET", "/auth/profile/mine", headers(users[math.random(#users)]))
  elseif kind == "drafts" then
    return wrk.format("GET", "/blog/author/drafts?page=1&limit=10", headers(authors[math.random(#authors)].token))
  elseif kind == "update" then
    local a = authors[math.random(#authors)]
    counter = counter + 1
    return wrk.format("PUT", "/blog/author", headers(a.token, true),
      string.format('{"_id":"%s","title":"Edited by the mix %d-%d"}', a.blog, id or 0, counter))
  else
    return wrk.format("POST", "/auth/signin/basic", headers(nil, true),
      string.format('{"email":"%s","password":"%s"}', signins[math.random(#signins)], password))
  end
end

-- Only the answers to this thread's creates and its submission in flight are read; the rest return at once.
function response(status, headers, body)
  if status ~= 200 or (creating_count == 0 and not submitting) then return end
  if submitting and body:find('"blog submitted successfully"', 1, true) then
    submitted[#submitted + 1] = submitting.id
    submitting = nil
  elseif creating_count > 0 and body:find('"blog created successfully"', 1, true) then
    -- The blog's own "_id" comes first in the envelope's data (PrivateBlog), before its author's.
    local blog, slug = body:match('"_id":"(%x+)".-"slug":"([^"]+)"')
    local token = slug and creating[slug]
    if token then
      creating[slug] = nil
      creating_count = creating_count - 1
      drafts[#drafts + 1] = { token = token, id = blog }
    end
  end
end

-- One machine-readable line after wrk's own report; latencies in microseconds (as bench/wrk/scenario.lua); then the
-- requests this run sent per kind over all its threads (a fallen-back kind counted as what was sent).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
  local total, counts = 0, {}
  for _, t in ipairs(threads) do
    for kind, n in pairs(t:get("sent") or {}) do counts[kind] = (counts[kind] or 0) + n; total = total + n end
  end
  local parts = {}
  for _, m in ipairs(mix) do
    local n = counts[m[1]] or 0
    parts[#parts + 1] = string.format("%s=%d(%.2f%%)", m[1], n, total > 0 and 100 * n / total or 0)
  end
  io.write("BENCH_MIX sent=" .. total .. " " .. table.concat(parts, " ") .. "\n")
end
