using GoMicro.Shared.Bus;

namespace GoMicro.Shared.AuthClient.ApiKeys;

/// <summary>Decides whether an <c>x-api-key</c> value is a known, active key.</summary>
public interface IApiKeyValidator
{
    /// <summary>True when <paramref name="key"/> is known and active.</summary>
    /// <exception cref="BusUnavailableException">The Auth module could not be asked.</exception>
    ValueTask<bool> IsValidAsync(string key, CancellationToken cancellationToken);
}
