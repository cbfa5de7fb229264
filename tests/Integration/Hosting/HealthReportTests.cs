using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary><c>/health/ready</c> needs no API key, so it shows each check's name and status and nothing else.</summary>
public sealed class HealthReportTests
{
    [Fact]
    public async Task A_failing_check_shows_its_name_and_status_but_no_exception_text_host_or_connection_string()
    {
        await using var auth = await TestDatabase.CreateAsync("auth");
        var settings = GoMicroHostFactory.BaseSettings("monolith");
        settings["ConnectionStrings:Auth"] = auth.ConnectionString;
        // Nothing listens on port 1: the blog database check fails with a connection error naming the host and port.
        settings["ConnectionStrings:Blog"] = "Host=127.0.0.1;Port=1;Database=secret_blog_db;Username=gomicro;Password=hunter2;Timeout=2";
        settings["Database:MigrateOnStartup"] = "false";
        settings["Database:Seed"] = "false";
        await using var host = new GoMicroHostFactory(settings);
        await host.StartAsync();
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/health/ready");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"name\":\"blog-database\",\"status\":\"Unhealthy\"", body);
        Assert.Contains("\"name\":\"auth-database\",\"status\":\"Healthy\"", body);
        foreach (var leak in new[] { "127.0.0.1", "Port", "secret_blog_db", "hunter2", "Exception", "Failed", "connect", "description" })
            Assert.DoesNotContain(leak, body, StringComparison.OrdinalIgnoreCase);
    }
}
