namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>
/// The classes that time a change's reach across separate OS processes against a contract of 500 ms or 1 s (a sign-out,
/// an unpublish, a list page, a comment seen by the other instances). They run after every parallel collection, one
/// class at a time: beside the other classes, each with hosts of its own, two cores ran at a load average of 12, and an
/// unpublish whose reach is 5-50 ms on its own once read 582 ms in CI. Alone, the figure is the product's propagation,
/// not its neighbours' CPU; the contract itself is unchanged.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedAcrossProcessesCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "timed across processes, alone";
}
