using System.ComponentModel.DataAnnotations;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace GoMicro.Host.Web;

/// <summary>The request body limit, bound from <c>Kestrel:Limits</c> (the key Kestrel's own options use).</summary>
public sealed class RequestBodyLimitOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Kestrel:Limits";

    /// <summary><c>Kestrel:Limits:MaxRequestBodySize</c>: the largest request body accepted, in bytes (default 1 MiB);
    /// null or 0 means no limit. Larger bodies get 413 <c>request body too large</c> in the envelope.</summary>
    [Range(0, long.MaxValue)]
    public long? MaxRequestBodySize { get; set; } = 1024 * 1024;

    internal long? Effective => MaxRequestBodySize is > 0 ? MaxRequestBodySize : null;
}

/// <summary>
/// Applies <see cref="RequestBodyLimitOptions.MaxRequestBodySize"/> to Kestrel (which does not read its <c>Limits</c>
/// from configuration by itself) and answers an oversized body with 413 in the envelope. Kestrel alone would throw
/// while the JSON reader reads, which minimal APIs take for an aborted request, and answer 413 with an empty body.
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>Binds the options and hands the limit to Kestrel.</summary>
    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RequestBodyLimitOptions>().Bind(configuration.GetSection(RequestBodyLimitOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestBodyLimitOptions>>((kestrel, limit) =>
            kestrel.Limits.MaxRequestBodySize = limit.Value.Effective);
        return services;
    }
}

/// <summary>
/// Rejects a body over the limit before any endpoint reads it: at once when <c>Content-Length</c> says so, otherwise
/// (chunked) by reading it into a rewindable buffer, counting. The server's own limit (Kestrel's, set from the same key)
/// stays in force; this makes the answer an envelope, and applies the limit on servers that have none (the test server).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestBodyLimitOptions> options)
{
    /// <summary>
    /// How far past the limit a body is still read (and thrown away) so the client can read the 413 over an intact
    /// connection: closing with unread bytes resets the connection, and many clients (.NET's HttpClient among them)
    /// then report the reset instead of the answer. Bodies larger than this get the 413 and a closed connection.
    /// </summary>
    private const long DrainAllowance = 16 * 1024 * 1024;
    private const int MemoryBufferBytes = 64 * 1024;
    private readonly long? _limit = options.Value.Effective;

    public async Task InvokeAsync(HttpContext context)
    {
        var serverLimit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var limit = serverLimit is null ? _limit : serverLimit.MaxRequestBodySize;
        if (limit is not { } max || context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false)
        {
            await next(context);
            return;
        }
        if (context.Request.ContentLength is { } length)
        {
            if (length <= max)
            {
                await next(context);
                return;
            }
            // Let the server discard the unread body after the answer (it would refuse to, over its own limit).
            if (length <= max + DrainAllowance && serverLimit is { IsReadOnly: false }) serverLimit.MaxRequestBodySize = length;
            else context.Response.Headers.Connection = "close";
            await TooLargeAsync(context);
            return;
        }

        if (serverLimit is { IsReadOnly: false }) serverLimit.MaxRequestBodySize = max + DrainAllowance; // counted here instead
        switch (await ReadChunkedAsync(context, max))
        {
            case ChunkedBody.Fits:
                await next(context);
                return;
            case ChunkedBody.TooLargeAndRead:
                await TooLargeAsync(context);
                return;
            default:
                context.Response.Headers.Connection = "close";
                await TooLargeAsync(context);
                return;
        }
    }

    private enum ChunkedBody { Fits, TooLargeAndRead, TooLargeAndUnread }

    /// <summary>Reads a body of unknown length into a rewindable buffer, counting; past <paramref name="max"/> it reads
    /// on without keeping anything, up to <see cref="DrainAllowance"/> more.</summary>
    private static async Task<ChunkedBody> ReadChunkedAsync(HttpContext context, long max)
    {
        var raw = context.Request.Body;
        context.Request.EnableBuffering(MemoryBufferBytes, max + 1);
        var buffer = new byte[16 * 1024];
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, max + 1 - total)), context.RequestAborted)) > 0)
            {
                total += read;
                if (total <= max) continue;

                // Discard the rest straight from the server's stream: the buffer keeps nothing beyond the limit.
                while (total <= max + DrainAllowance && (read = await raw.ReadAsync(buffer, context.RequestAborted)) > 0) total += read;
                return total <= max + DrainAllowance ? ChunkedBody.TooLargeAndRead : ChunkedBody.TooLargeAndUnread;
            }
        }
        catch (IOException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // The server's own limit or the buffer limit was hit first.
            return ChunkedBody.TooLargeAndUnread;
        }
        context.Request.Body.Position = 0;
        return ChunkedBody.Fits;
    }

    private static Task TooLargeAsync(HttpContext context) =>
        ApiResults.WriteErrorAsync(context, StatusCodes.Status413PayloadTooLarge, ValidationMessages.BodyTooLarge);
}
