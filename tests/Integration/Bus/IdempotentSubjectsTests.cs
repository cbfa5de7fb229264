using GoMicro.Shared.Bus;

namespace GoMicro.Integration.Tests.Bus;

/// <summary>Which subjects are hedged: <c>Bus:IdempotentSubjects</c> patterns, with NATS wildcard rules.</summary>
public sealed class IdempotentSubjectsTests
{
    [Theory]
    [InlineData("auth.>", "auth.authentication", true)]
    [InlineData("auth.>", "auth.profile.user", true)]
    [InlineData("auth.>", "auth", false)]
    [InlineData("auth.>", "authx.profile", false)]
    [InlineData("auth.*", "auth.profile.user", false)]
    [InlineData("auth.*.user", "auth.profile.user", true)]
    [InlineData("blog.read", "blog.read", true)]
    [InlineData("blog.read", "blog.readers", false)]
    public void Patterns_match_subjects_as_nats_wildcards_do(string pattern, string subject, bool matches)
    {
        Assert.Equal(matches, SubjectPattern.Matches(pattern, subject));
    }

    [Fact]
    public void Every_auth_subject_is_read_only_by_default_and_nothing_else()
    {
        var options = new BusOptions();

        Assert.True(options.IsIdempotent("auth.authentication"));
        Assert.True(options.IsIdempotent("auth.apikey.verify"));
        Assert.False(options.IsIdempotent("blog.published"));
    }
}
