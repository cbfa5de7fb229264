using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The <c>auth.profile.user</c> subject answers as the HTTP profile route does: no deactivated user, and a
/// malformed id refused in the validation wording (found in the security review of issue 11).</summary>
public sealed class ProfileSubjectTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    private IModuleBus Bus => topology.AuthHost.Services.GetRequiredService<IModuleBus>();

    [Fact]
    public async Task The_profile_bus_subject_does_not_return_a_deactivated_user_as_the_http_route_does_not()
    {
        var user = await TestUsers.CreateAsync(topology);
        Assert.Equal(user.Email, (await Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(user.Id.ToString()))).Email);

        await topology.AuthDatabase.ScalarAsync<int>("UPDATE users SET status = false WHERE id = @id; SELECT 1", ("id", user.Id));

        var error = await Assert.ThrowsAsync<BusErrorException>(() => Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(user.Id.ToString())));
        Assert.Equal((404, "user does not exists"), (error.Status, error.Message));
        (await topology.Auth.GetEnvelopeAsync($"/auth/profile/id/{user.Id}")).ShouldFail(HttpStatusCode.NotFound, "user does not exists");
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("{6f9619ff-8b86-d011-b42d-00c04fc964ff}")]
    [InlineData("")]
    public async Task The_profile_bus_subject_answers_a_malformed_id_with_400_in_the_validation_wording(string id)
    {
        var error = await Assert.ThrowsAsync<BusErrorException>(() => Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(id)));
        Assert.Equal((400, "id must be a valid UUID"), (error.Status, error.Message));
    }
}
