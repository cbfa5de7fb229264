namespace GoMicro.Integration.Tests.Infrastructure;

/// <summary>Waits for an effect that arrives asynchronously, instead of sleeping a guessed time.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="probe"/> until it returns true or <paramref name="timeout"/> passes.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">The probe never held; the message says what was awaited.</exception>
    public static async Task HoldsAsync(Func<Task<bool>> probe, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe()) return;
                last = null;
            }
            catch (Exception ex)
            {
                last = ex;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"'{what}' did not hold within {timeout.TotalSeconds:0.#} s{(last is null ? "" : $"; last error: {last.Message}")}");
    }
}
