using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace GoMicro.Shared.Web.RateLimiting;

/// <summary>The one way a limit is answered: 429 in the envelope with <c>Retry-After</c> in whole seconds (RFC 9110
/// section 10.2.3), so a client that backs off by the header never retries too early.</summary>
public static class TooManyRequests
{
    /// <summary>Text of a 429 from the per-address and per-API-key limits.</summary>
    public const string Message = "too many requests";

    /// <summary>Writes the 429 envelope with <paramref name="message"/> and <c>Retry-After</c>: <paramref name="retryAfter"/>
    /// rounded up to whole seconds, at least 1.</summary>
    public static Task WriteAsync(HttpContext context, TimeSpan retryAfter, string message = Message)
    {
        context.Response.Headers[HeaderNames.RetryAfter] = RetryAfterSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ApiResults.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, message);
    }

    /// <summary><paramref name="retryAfter"/> in whole seconds, rounded up, at least 1.</summary>
    public static long RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
}
