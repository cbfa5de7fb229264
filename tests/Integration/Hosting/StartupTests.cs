using System.Net;
using GoMicro.Host;
using GoMicro.Integration.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace GoMicro.Integration.Tests.Hosting;

/// <summary>How a process starts: its role, its bus subjects, and its database migrations.</summary>
public sealed class StartupTests
{
    [Fact]
    public void An_unknown_role_refuses_to_start_and_lists_the_valid_roles()
    {
        var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--role", "kong"]));
        Assert.Contains("unknown role 'kong'", error.Message);
        Assert.Contains("monolith, auth, blog, gateway", error.Message);
    }

    [Fact]
    public void A_gateway_without_routes_refuses_to_start_saying_where_they_come_from()
    {
        // A content root without appsettings.json, as when the binary is started from another folder.
        var folder = Directory.CreateTempSubdirectory("gomicro-no-settings-");
        try
        {
            var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--role", "gateway", "--contentRoot", folder.FullName]));
            Assert.Contains("no routes (ReverseProxy:Routes is empty)", error.Message);
            Assert.Contains("ASPNETCORE_CONTENTROOT", error.Message);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void The_role_comes_from_configuration_when_no_argument_is_given()
    {
        var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--GoMicro:Role=nope"]));
        Assert.Contains("unknown role 'nope'", error.Message);
    }

    [Fact]
    public void A_blog_process_with_an_in_process_bus_refuses_to_start_naming_the_missing_subjects()
    {
        var error = Assert.Throws<StartupException>(() => GoMicroApplication.Build(["--role", "blog", "--Bus:Transport=InProcess"]));
        Assert.Contains("auth.apikey.verify", error.Message);
        Assert.Contains("auth.authentication", error.Message);
    }

    [Fact]
    public void Admin_command_words_are_split_from_the_role_argument()
    {
        var invocation = Invocation.Parse(["user", "grant-role", "a@example.com", "AUTHOR", "--role", "auth"]);
        Assert.Equal(["--role", "auth"], invocation.HostArguments);
        Assert.Equal(["user", "grant-role", "a@example.com", "AUTHOR"], invocation.Command!);
        Assert.Null(Invocation.Parse(["--urls", "http://localhost:1"]).Command);
        Assert.Equal(["bogus"], Invocation.Parse(["bogus"]).Command!);
    }

    [Fact]
    public void An_admin_command_shows_only_warnings_on_the_console_unless_verbose()
    {
        var quiet = Invocation.Parse(["help", "--role", "auth"]);
        Assert.Equal(LogLevel.Warning, quiet.ConsoleMinimumLevel);

        var verbose = Invocation.Parse(["user", "grant-role", "a@example.com", "--verbose", "AUTHOR"]);
        Assert.True(verbose.Verbose);
        Assert.Equal(["user", "grant-role", "a@example.com", "AUTHOR"], verbose.Command!);
        Assert.Null(verbose.ConsoleMinimumLevel);

        Assert.Null(Invocation.Parse(["--urls", "http://localhost:1"]).ConsoleMinimumLevel); // the web server logs as configured
    }

    [Fact]
    public async Task Several_instances_starting_at_once_apply_each_migration_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync("auth");
        var hosts = Enumerable.Range(0, 4).Select(_ =>
        {
            var settings = GoMicroHostFactory.BaseSettings("auth");
            settings["ConnectionStrings:Auth"] = database.ConnectionString;
            settings["Bus:Transport"] = "InProcess"; // the auth role serves every subject it calls; keep these hosts off NATS
            return new GoMicroHostFactory(settings);
        }).ToArray();
        try
        {
            await Task.WhenAll(hosts.Select(h => Task.Run(h.StartAsync)));

            // Every migration of the module, each once.
            using var model = new GoMicro.Modules.Auth.Persistence.AuthDesignTimeDbContextFactory().CreateDbContext([]);
            var migrations = Microsoft.EntityFrameworkCore.RelationalDatabaseFacadeExtensions.GetMigrations(model.Database).Count();
            Assert.True(migrations >= 3, $"{migrations} migrations");
            Assert.Equal(migrations, await database.ScalarAsync<long>("SELECT count(*) FROM \"__EFMigrationsHistory\""));
            Assert.Equal(migrations, await database.ScalarAsync<long>("SELECT count(DISTINCT \"MigrationId\") FROM \"__EFMigrationsHistory\""));
            Assert.Equal(4L, await database.ScalarAsync<long>("SELECT count(*) FROM roles"));
            Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = 'admin@example.com'"));
            Assert.Equal(4L, await database.ScalarAsync<long>("SELECT count(*) FROM user_roles"));
        }
        finally
        {
            foreach (var host in hosts) await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_database_outage_gives_a_generic_500_without_exception_details_and_fails_readiness()
    {
        var settings = GoMicroHostFactory.BaseSettings("auth");
        settings["ConnectionStrings:Auth"] = "Host=localhost;Port=5432;Database=gomicro_does_not_exist;Username=gomicro;Password=gomicro;Timeout=3";
        settings["Database:MigrateOnStartup"] = "false";
        settings["Database:Seed"] = "false";
        settings["Bus:Transport"] = "InProcess";
        await using var host = new GoMicroHostFactory(settings);
        using var client = host.CreateClient();

        var response = await client.SendAsync(HttpMethod.Get, "/auth/verify/apikey");
        response.ShouldFail(HttpStatusCode.InternalServerError, "something went wrong");
        Assert.False(response.HasData);
        Assert.DoesNotContain("Npgsql", response.Raw);

        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }
}
