using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Integration.Tests.Gateway;

/// <summary>
/// The gateway role's API-key check against kong/plugins/apikey-auth/spec/edge_cases.json, the table the Kong plugin's
/// busted specs run too. The auth instances are small HTTP servers that answer <c>GET /auth/verify/apikey</c> as the
/// case scripts (a 500 or a hang cannot be had from a real auth instance on demand); everything else they and the blog
/// instance answer 200 <c>proxied</c>, so a request that passed the check is recognisable. The topology tests run the
/// check against real auth instances.
/// </summary>
public sealed class EdgeApiKeyTableTests
{
    private static readonly TimeSpan VerificationTimeout = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var node in Table()["cases"]!.AsArray()) data.Add(node!["name"]!.GetValue<string>());
        return data;
    }

    [Fact]
    public void The_table_has_cases() => Assert.NotEmpty(Cases());

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Gateway_answers_as_the_table_says(string name)
    {
        var @case = Table()["cases"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == name)!;
        var answers = @case["answers"]!.AsArray();
        await using var auth1 = await ScriptedInstance.StartAsync(answers[0]!);
        await using var auth2 = await ScriptedInstance.StartAsync(answers[1]!);
        await using var blog = await ScriptedInstance.StartAsync(null);

        var settings = GoMicroHostFactory.BaseSettings("gateway");
        settings["Gateway:ApiKey:Timeout"] = VerificationTimeout.ToString();
        foreach (var (cluster, destinations) in new[] { ("auth", new[] { auth1, auth2 }), ("blog", new[] { blog }) })
        {
            settings[$"ReverseProxy:Clusters:{cluster}:HealthCheck:Active:Enabled"] = "false";
            settings[$"ReverseProxy:Clusters:{cluster}:Destinations:{cluster}1:Address"] = destinations[0].Address;
            if (destinations.Length > 1)
                settings[$"ReverseProxy:Clusters:{cluster}:Destinations:{cluster}2:Address"] = destinations[1].Address;
        }
        await using var gateway = new GoMicroHostFactory(settings);
        using var client = gateway.CreateClient();

        var step = 0;
        foreach (var request in @case["requests"]!.AsArray())
        {
            var where = $"{name}, request {++step}";
            using var message = new HttpRequestMessage(HttpMethod.Get, request!["path"]!.GetValue<string>());
            if (request["key"] is { } key) message.Headers.TryAddWithoutValidation("x-api-key", key.GetValue<string>());
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            var expect = request["expect"]!;
            if (expect["proxied"] is not null)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK && body == ScriptedInstance.ProxiedBody, $"{where}: {(int)response.StatusCode} {body}");
            }
            else if (expect["envelope"] is { } envelope)
            {
                Assert.Equal(envelope["status"]!.GetValue<int>(), (int)response.StatusCode);
                var actual = JsonNode.Parse(body)!.AsObject();
                Assert.True(JsonNode.DeepEquals(envelope, actual), $"{where}: {body}");
            }
            else
            {
                Assert.Equal(expect["status"]!.GetValue<int>(), (int)response.StatusCode);
                Assert.Equal(expect["body"]!.GetValue<string>(), body);
                Assert.Equal(expect["contentType"]!.GetValue<string>(), response.Content.Headers.ContentType?.ToString());
            }
            Assert.True(request["calls"]!.GetValue<int>() == auth1.Calls + auth2.Calls, $"{where}: {auth1.Calls} + {auth2.Calls} verification calls");
        }
    }

    private static JsonNode Table()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GoMicro.sln"))) directory = directory.Parent;
        Assert.NotNull(directory);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(directory.FullName, "kong", "plugins", "apikey-auth", "spec", "edge_cases.json")))!;
    }

    /// <summary>An instance on a loopback port: the scripted verification answer, and 200 <see cref="ProxiedBody"/> for
    /// anything else; with <c>fail: refused</c> nothing listens on its address.</summary>
    private sealed class ScriptedInstance : IAsyncDisposable
    {
        public const string ProxiedBody = "proxied";
        private readonly WebApplication? _app;
        private readonly Socket? _refusing;
        private int _calls;

        private ScriptedInstance(WebApplication? app, Socket? refusing, string address)
        {
            _app = app;
            _refusing = refusing;
            Address = address;
        }

        public string Address { get; }

        public int Calls => _calls;

        public static async Task<ScriptedInstance> StartAsync(JsonNode? answer)
        {
            if (answer?["fail"]?.GetValue<string>() == "refused")
            {
                // A socket bound but not listening holds the port, so nothing else can take it, and refuses connections.
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                return new ScriptedInstance(null, socket, $"http://127.0.0.1:{((IPEndPoint)socket.LocalEndPoint!).Port}");
            }
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            ScriptedInstance? self = null;
            app.MapGet("/auth/verify/apikey", async context =>
            {
                Interlocked.Increment(ref self!._calls);
                if (answer?["fail"]?.GetValue<string>() == "timeout")
                {
                    await Task.Delay(VerificationTimeout * 3, context.RequestAborted);
                    return;
                }
                context.Response.StatusCode = answer!["status"]!.GetValue<int>();
                context.Response.ContentType = answer["contentType"]!.GetValue<string>();
                await context.Response.WriteAsync(answer["body"]!.GetValue<string>());
            });
            app.MapFallback("/{**path}", () => Results.Text(ProxiedBody)); // any path, file names such as jwks.json included
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            self = new ScriptedInstance(app, null, address);
            return self;
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null) await _app.DisposeAsync();
            _refusing?.Dispose();
        }
    }
}
