using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using GoMicro.Integration.Tests.Blog;
using GoMicro.Integration.Tests.Infrastructure;
using MongoDB.Bson;

namespace GoMicro.Integration.Tests.Fuzz;

/// <summary>
/// Each finding of issue 14, as a request a client can send: bad input gets a clear 4xx in the envelope, in the field's
/// terms, and changes nothing. Runs on Kestrel so body limits and chunked bodies behave as in production.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class BadInputFindingsTests(KestrelMonolithTopology topology)
{
    private HttpClient Client => topology.Auth;

    private static string UniqueEmail() => $"finding-{Guid.NewGuid():N}@example.com";

    private Task<long> UsersWithEmailAsync(string email) =>
        topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = @e", ("e", email));

    // ---- NUL and control characters ------------------------------------------------------------------------

    public static TheoryData<string, string> SignUpFields => new()
    {
        { "email", "email" }, { "name", "name" }, { "profilePicUrl", "profilepicurl" }, { "password", "password" },
    };

    [Theory]
    [MemberData(nameof(SignUpFields))]
    public async Task A_nul_in_any_sign_up_field_gets_400_naming_it_and_stores_nothing(string field, string shown)
    {
        var email = UniqueEmail();
        var body = new Dictionary<string, string> { ["email"] = email, ["password"] = "secret1", ["name"] = "Ann", ["profilePicUrl"] = "https://example.com/a.png" };
        body[field] = field == "email" ? email.Replace("@", "\u0000@") : body[field] + "\u0000x";

        (await Client.PostEnvelopeAsync("/auth/signup/basic", body)).ShouldFail(HttpStatusCode.BadRequest, $"{shown} is invalid");
        Assert.Equal(0L, await UsersWithEmailAsync(email));
    }

    [Fact]
    public async Task A_nul_in_the_sign_in_email_or_the_refresh_token_gets_400()
    {
        (await Client.PostEnvelopeAsync("/auth/signin/basic", new { email = "a\u0000b@example.com", password = "secret1" }))
            .ShouldFail(HttpStatusCode.BadRequest, "email is invalid");
        (await Client.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = "abc\u0000def" }, accessToken: "x.y.z"))
            .ShouldFail(HttpStatusCode.BadRequest, "refreshtoken is invalid");
    }

    public static TheoryData<string, string> BlogFields => new()
    {
        { "title", "title" }, { "description", "description" }, { "draftText", "drafttext" }, { "slug", "slug" }, { "imgUrl", "imgurl" }, { "tags", "tags" },
    };

    [Theory]
    [MemberData(nameof(BlogFields))]
    public async Task A_nul_in_any_blog_field_gets_400_on_create_and_update_and_changes_nothing(string field, string shown)
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        var before = await BlogRowAsync(blog.Id);

        var create = BlogSteps.CreateBody();
        var slug = (string)create["slug"]!;
        create[field] = field == "tags" ? new[] { "OK", "N\u0000UL" } : $"{create[field]}\u0000";
        (await Client.PostEnvelopeAsync("/blog/author", create, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, $"{shown} is invalid");
        Assert.Equal(0L, await topology.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs WHERE slug = @s", ("s", slug)));

        var update = new Dictionary<string, object> { ["_id"] = blog.Id.ToString(), [field] = field == "tags" ? new[] { "N\u0000UL" } : "abc\u0000def" };
        (await Client.PutEnvelopeAsync("/blog/author", update, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, $"{shown} is invalid");
        Assert.Equal(before, await BlogRowAsync(blog.Id));
    }

    [Theory]
    [InlineData("a\u0001b@example.com", "email is invalid")]
    [InlineData("a\u001b[31m@example.com", "email is invalid")]
    [InlineData("\u202eliam@example.com", "email is invalid")]
    [InlineData("ann\u2066@example.com", "email is invalid")]
    [InlineData("a@b", "email is not a valid email")]
    [InlineData("ann@localhost", "email is not a valid email")]
    [InlineData("ann@example.123", "email is not a valid email")]
    [InlineData("ann@-example.com", "email is not a valid email")]
    [InlineData("ann..lee@example.com", "email is not a valid email")]
    [InlineData("ann lee@example.com", "email is not a valid email")]
    [InlineData("@example.com", "email is not a valid email")]
    [InlineData("   ", "email is required")]
    public async Task Emails_with_control_or_bidi_characters_or_without_a_dotted_domain_get_400(string email, string message)
    {
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret1", name = "Ann" }))
            .ShouldFail(HttpStatusCode.BadRequest, message);
        Assert.Equal(0L, await UsersWithEmailAsync(email.Trim().ToLowerInvariant()));
    }

    // ---- emails: case and length ---------------------------------------------------------------------------

    [Fact]
    public async Task An_email_with_a_dotted_capital_I_is_stored_lower_cased_as_the_database_compares_it()
    {
        var local = $"\u0130nci-{Guid.NewGuid():N}";
        var email = $"{local}@Example.com";
        var signUp = (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret1", name = "İnci" })).ShouldSucceed();

        var stored = signUp.Data.GetProperty("user").GetProperty("email").GetString()!;
        Assert.Equal($"i{local[1..]}@example.com", stored);
        Assert.Equal(stored, await topology.AuthDatabase.ScalarAsync<string>("SELECT lower(email) FROM users WHERE email = @e", ("e", stored)));
        (await Client.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "secret1" })).ShouldSucceed();
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = stored, password = "secret1", name = "Again" }))
            .ShouldFail(HttpStatusCode.BadRequest, "user already registered");
    }

    [Fact]
    public async Task An_email_over_320_characters_or_an_address_over_254_gets_400_and_nothing_is_stored()
    {
        var huge = new string('a', 2988) + "@example.com";
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = huge, password = "secret1", name = "Ann" }))
            .ShouldFail(HttpStatusCode.BadRequest, "email must be at most 320 characters");
        (await Client.PostEnvelopeAsync("/auth/signin/basic", new { email = huge, password = "secret1" }))
            .ShouldFail(HttpStatusCode.BadRequest, "email must be at most 320 characters");

        var tooLong = new string('a', 64) + "@" + new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 58) + ".com"; // 255
        Assert.Equal(255, tooLong.Length);
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = tooLong, password = "secret1", name = "Ann" }))
            .ShouldFail(HttpStatusCode.BadRequest, "email is not a valid email");

        var longest = $"{Guid.NewGuid():N}{new string('a', 32)}@" + new string('b', 63) + "." + new string('c', 63) + "." + new string('d', 57) + ".com"; // 254
        Assert.Equal(254, longest.Length);
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = longest, password = "secret1", name = "Ann" })).ShouldSucceed();
        Assert.Equal(1L, await UsersWithEmailAsync(longest));
    }

    // ---- trimming ------------------------------------------------------------------------------------------

    [Fact]
    public async Task Sign_up_trims_the_name_before_checking_its_length()
    {
        var email = UniqueEmail();
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret1", name = " A " }))
            .ShouldFail(HttpStatusCode.BadRequest, "name must be at least 2 characters");
        Assert.Equal(0L, await UsersWithEmailAsync(email));

        var signUp = (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = $"  {email.ToUpperInvariant()} ", password = " secret1 ", name = "  Ann  " })).ShouldSucceed();
        Assert.Equal("Ann", signUp.Data.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal(email, signUp.Data.GetProperty("user").GetProperty("email").GetString());
        // The password is kept as sent: its spaces are part of it.
        (await Client.PostEnvelopeAsync("/auth/signin/basic", new { email, password = "secret1" })).ShouldFail(HttpStatusCode.Unauthorized, "wrong password");
        (await Client.PostEnvelopeAsync("/auth/signin/basic", new { email, password = " secret1 " })).ShouldSucceed();
    }

    [Fact]
    public async Task Updating_a_title_to_whitespace_gets_400_as_creating_does_and_changes_nothing()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreateAsync(cast.Author);
        var before = await BlogRowAsync(blog.Id);

        (await Client.PutEnvelopeAsync("/blog/author", new Dictionary<string, object> { ["_id"] = blog.Id.ToString(), ["title"] = "   " }, cast.Author.AccessToken))
            .ShouldFail(HttpStatusCode.BadRequest, "title must be at least 3 characters");
        var create = BlogSteps.CreateBody();
        create["title"] = "   ";
        (await Client.PostEnvelopeAsync("/blog/author", create, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, "title is required");
        Assert.Equal(before, await BlogRowAsync(blog.Id));
    }

    // ---- parser text and .NET names ------------------------------------------------------------------------

    [Theory]
    [InlineData("{\"tags\": \"ONE\"}", "tags must be an array of strings")]
    [InlineData("{\"tags\": [1, 2]}", "tags must be an array of strings")]
    [InlineData("{\"title\": [\"x\"]}", "title must be a string")]
    [InlineData("{\"title\": {\"x\": 1}}", "title must be a string")]
    [InlineData("{\"title\": true}", "title must be a string")]
    [InlineData("{\"title\": \"abc\"", "body is not valid JSON")]
    [InlineData("[{\"title\": \"abc\"}]", "body must be a JSON object")]
    public async Task A_mistyped_blog_body_is_described_in_the_fields_terms(string body, string message)
    {
        var cast = await BlogCast.CreateAsync(topology);
        var response = await Client.SendAsync(HttpMethod.Post, "/blog/author", body, cast.Author.AccessToken);
        response.ShouldFail(HttpStatusCode.BadRequest, message);
        Assert.DoesNotContain("System.", response.Raw);
        Assert.DoesNotContain("GoMicro.Modules", response.Raw);
        Assert.DoesNotContain("LineNumber", response.Raw);
    }

    // ---- body size -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2_000_000, false)]
    [InlineData(10_000_000, false)]
    [InlineData(5_000_000, true)]
    [InlineData(KestrelMonolithTopology.BodyLimit + 1, false)]
    [InlineData(KestrelMonolithTopology.BodyLimit + 1, true)]
    public async Task A_body_over_the_configured_limit_gets_413_in_the_envelope(long size, bool chunked)
    {
        var email = UniqueEmail();
        var envelope = await PostLargeSignUpAsync(email, size, chunked);
        envelope.ShouldFail(HttpStatusCode.RequestEntityTooLarge, "request body too large");
        Assert.Equal(0L, await UsersWithEmailAsync(email));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_just_under_the_limit_is_read_and_validated(bool chunked)
    {
        var email = UniqueEmail();
        var envelope = await PostLargeSignUpAsync(email, KestrelMonolithTopology.BodyLimit - 100, chunked);
        envelope.ShouldFail(HttpStatusCode.BadRequest, "name must be at most 200 characters");
    }

    /// <summary>A sign-up whose name pads the JSON body to exactly <paramref name="size"/> bytes.</summary>
    private async Task<Envelope> PostLargeSignUpAsync(string email, long size, bool chunked)
    {
        var prefix = $"{{\"email\":\"{email}\",\"password\":\"secret1\",\"name\":\"";
        const string suffix = "\"}";
        var bytes = Encoding.UTF8.GetBytes(prefix + new string('n', (int)(size - prefix.Length - suffix.Length)) + suffix);
        Assert.Equal(size, bytes.Length);
        HttpContent content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (chunked) content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/auth/signup/basic") { Content = content };
        request.Headers.Add("x-api-key", TestEnvironment.ApiKey);
        if (chunked) request.Headers.TransferEncodingChunked = true;
        using var response = await Client.SendAsync(request);
        return await ReadEnvelopeAsync(response);
    }

    // ---- tags and URLs -------------------------------------------------------------------------------------

    [Fact]
    public async Task Tags_are_bounded_to_20_of_at_most_50_characters()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var tooMany = BlogSteps.CreateBody();
        tooMany["tags"] = Enumerable.Range(0, 21).Select(i => $"T{i}").ToArray();
        (await Client.PostEnvelopeAsync("/blog/author", tooMany, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, "tags must contain at most 20 items");

        var tooLong = BlogSteps.CreateBody();
        tooLong["tags"] = new[] { new string('T', 51) };
        (await Client.PostEnvelopeAsync("/blog/author", tooLong, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, "tags must be at most 50 characters");

        var atTheLimit = BlogSteps.CreateBody();
        atTheLimit["tags"] = Enumerable.Range(0, 20).Select(i => $"T{i:D2}".PadRight(50, 'X')).ToArray();
        var created = (await Client.PostEnvelopeAsync("/blog/author", atTheLimit, cast.Author.AccessToken)).ShouldSucceed("blog created successfully");
        Assert.Equal(20, created.Data.GetProperty("tags").GetArrayLength());

        (await Client.GetEnvelopeAsync($"/blog/list/tag/{new string('T', 51)}?page=1&limit=1"))
            .ShouldFail(HttpStatusCode.BadRequest, "tag must be at most 50 characters");
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("data:image/png;base64,AAAA")]
    [InlineData("ftp://example.com/a.png")]
    [InlineData("//example.com/a.png")]
    [InlineData("/relative/a.png")]
    [InlineData("https://")]
    [InlineData("https://exa mple.com/a.png")]
    public async Task Only_absolute_http_and_https_urls_are_accepted_for_images(string url)
    {
        var cast = await BlogCast.CreateAsync(topology);
        var create = BlogSteps.CreateBody();
        create["imgUrl"] = url;
        (await Client.PostEnvelopeAsync("/blog/author", create, cast.Author.AccessToken)).ShouldFail(HttpStatusCode.BadRequest, "imgurl is not a valid URL");
        (await Client.PostEnvelopeAsync("/auth/signup/basic", new { email = UniqueEmail(), password = "secret1", name = "Ann", profilePicUrl = url }))
            .ShouldFail(HttpStatusCode.BadRequest, "profilepicurl is not a valid URL");
    }

    // ---- Kestrel-level rejections --------------------------------------------------------------------------

    /// <summary>
    /// Kestrel refuses these before any middleware runs, so the app cannot answer them in the envelope (documented in
    /// docs/api.md): they are 4xx with an empty body, never a 5xx and never internals.
    /// </summary>
    [Fact]
    public async Task Requests_kestrel_refuses_get_a_4xx_without_internals()
    {
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/blog/slug/" + new string('a', 9000)), HttpStatusCode.RequestUriTooLong);
        var hugeHeaders = new HttpRequestMessage(HttpMethod.Get, "/blog/list/latest?page=1&limit=1");
        hugeHeaders.Headers.TryAddWithoutValidation("x-big", new string('a', 33_000));
        await AssertRefusedAsync(hugeHeaders, HttpStatusCode.RequestHeaderFieldsTooLarge);
        await AssertRefusedAsync(new HttpRequestMessage(HttpMethod.Get, "/blog/slug/ab%00cd"), HttpStatusCode.BadRequest);
    }

    private async Task AssertRefusedAsync(HttpRequestMessage request, HttpStatusCode status)
    {
        using (request)
        {
            request.Headers.Add("x-api-key", TestEnvironment.ApiKey);
            using var response = await Client.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("Exception", body);
            Assert.DoesNotContain("Microsoft.", body);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Task<string?> BlogRowAsync(ObjectId id) => topology.BlogDatabase.ScalarAsync<string>(
        "SELECT concat_ws('|', title, description, draft_text, slug, img_url, array_to_string(tags, ','), updated_at) FROM blogs WHERE id = @id", ("id", id.ToByteArray()));

    private static async Task<Envelope> ReadEnvelopeAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        return new Envelope(root.GetProperty("code").GetString()!, root.GetProperty("status").GetInt32(), root.GetProperty("message").GetString()!,
            root.TryGetProperty("data", out var data) ? data.Clone() : default, response.StatusCode, text);
    }
}
