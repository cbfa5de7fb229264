using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace GoMicro.Host.Gateway;

/// <summary>
/// Sends a request that failed at an instance to another healthy instance of the cluster, up to
/// <see cref="GatewayOptions.Retries"/> times, as Kong's service <c>retries</c> does (kong/kong-load-balanced.yml) with
/// nginx's rule: a request is resent only when it cannot have been processed twice. That is when the instance was never
/// reached (the connection was refused or failed: nothing was sent), or, for <c>GET</c>, <c>HEAD</c> and <c>OPTIONS</c>
/// (no body, safe to repeat by HTTP's definition), when the connection broke before any response header came back
/// (an instance killed mid-request). Nothing is resent once the client has seen a byte of the response, and a timeout
/// is not retried (the instance may still be working). The instance that failed is left out of the next attempt; the
/// passive health check has already counted its failure.
/// </summary>
internal sealed class RetryMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        for (var attempt = 0; ; attempt++)
        {
            await next(context);
            if (context.Features.Get<IForwarderErrorFeature>() is not { } error || context.Response.HasStarted
                || attempt >= options.Value.Retries || !SafeToResend(context.Request, error))
                return;
            var failed = proxy.ProxiedDestination;
            candidates = candidates.Where(d => d != failed).ToList();
            if (candidates.Count == 0) return;
            // Back to a fresh response for the next instance; the forwarder set 502 and its error.
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            proxy.AvailableDestinations = candidates;
        }
    }

    private static bool SafeToResend(HttpRequest request, IForwarderErrorFeature error)
    {
        if (error.Error != ForwarderError.Request) return false;
        if (error.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            return true;
        return HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method);
    }
}
