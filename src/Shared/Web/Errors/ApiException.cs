using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.Web.Errors;

/// <summary>
/// An expected failure that becomes an error envelope with <see cref="StatusCode"/> and the exact
/// <see cref="Exception.Message"/>; the global exception handler writes it, so endpoints read as their happy path.
/// Only use texts that are safe to show to clients.
/// </summary>
/// <param name="statusCode">HTTP status (4xx, or 503 for an unavailable dependency).</param>
/// <param name="message">The client-facing text, e.g. <c>user already registered</c>.</param>
public sealed class ApiException(int statusCode, string message) : Exception(message)
{
    /// <summary>The HTTP status to answer with.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>400 with <paramref name="message"/>.</summary>
    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);
    /// <summary>401 with <paramref name="message"/>.</summary>
    public static ApiException Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, message);
    /// <summary>403 with <paramref name="message"/>.</summary>
    public static ApiException Forbidden(string message) => new(StatusCodes.Status403Forbidden, message);
    /// <summary>404 with <paramref name="message"/>.</summary>
    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
    /// <summary>429 with <paramref name="message"/> and <c>Retry-After</c> (see <see cref="RetryAfter"/>).</summary>
    public static ApiException TooManyRequests(string message, TimeSpan retryAfter) =>
        new(StatusCodes.Status429TooManyRequests, message) { RetryAfter = retryAfter };

    /// <summary>When set, sent as <c>Retry-After</c> in whole seconds, rounded up: how long the client should wait.</summary>
    public TimeSpan? RetryAfter { get; private init; }
}
