using GoMicro.Integration.Tests.Auth;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Split;

/// <summary>The monolith's Auth API scenarios, unchanged, against an auth process and a blog process over NATS.</summary>
public sealed class AuthApiOnSplitServices(SplitTopology topology) : AuthApiScenarios(topology), IClassFixture<SplitTopology>;
