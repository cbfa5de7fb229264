using System.ComponentModel.DataAnnotations;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Shared.AuthClient.ApiKeys;

/// <summary>Options bound from the <c>ApiKey</c> section.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "ApiKey";

    /// <summary><c>ApiKey:CacheDuration</c>: how long a key found valid is trusted without asking the Auth module again.
    /// Default 1 minute. A deactivated key is refused sooner: the Auth module's <see cref="AuthEvents.ApiKeyChanged"/>
    /// evicts it, and while events cannot arrive cached answers are not used.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary><c>ApiKey:Mode</c>: who checks <c>x-api-key</c>. <see cref="ApiKeyMode.Check"/> (default) checks every
    /// request here; <see cref="ApiKeyMode.Gateway"/> leaves it to the gateway in front (api.md section 6).</summary>
    public ApiKeyMode Mode { get; set; } = ApiKeyMode.Check;

    /// <summary><c>ApiKey:NegativeCacheDuration</c>: how long a key found unknown or inactive is refused without asking
    /// again, so a client repeating a bad key costs no bus request each time (issue 11: unknown keys cheap to refuse). Default
    /// 5 s; a key created meanwhile is accepted at once (<c>apikey create</c> announces <see cref="AuthEvents.ApiKeyChanged"/>,
    /// which evicts the refusal). Zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan NegativeCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>ApiKey:FailSafeGrace</c>: when the Auth module cannot be reached, a key that it found valid within this
    /// long keeps working, so public reads survive an Auth outage; after it, such requests get 503. A key deactivated during
    /// the outage may be accepted up to this long (its event cannot arrive either). Default 5 minutes; zero turns it off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan FailSafeGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>ApiKey:MaxEntries</c>: the most keys cached per process, valid and refused ones each (the refused ones
    /// apart, so a flood of unknown keys cannot push valid ones out). Default 10 000.</summary>
    [Range(1, int.MaxValue)]
    public int MaxEntries { get; set; } = 10_000;
}

/// <summary>Values of <see cref="ApiKeyOptions.Mode"/>.</summary>
public enum ApiKeyMode
{
    /// <summary>Every request needs a known, active key, asked of the Auth module over <c>auth.apikey.verify</c> (in
    /// process in the monolith): our improvement on the reference, whose services check no key.</summary>
    Check,

    /// <summary>The gateway (Kong with the key plugin, or the gateway role) has checked the key; this service trusts it and
    /// never asks <c>auth.apikey.verify</c>, as the reference's services do. Needed beside the reference's auth service,
    /// which serves no such subject. Only for a service that no client can reach but through that gateway.</summary>
    Gateway,
}
