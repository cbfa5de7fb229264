using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>OpenAPI metadata in one call: a summary, the success envelope and the error envelopes an endpoint can answer.</summary>
internal static class EndpointDocumentation
{
    /// <summary>200 with <c>data</c> of <typeparamref name="TData"/>, and an error envelope for each of <paramref name="errorStatuses"/>.</summary>
    public static RouteHandlerBuilder Documented<TData>(this RouteHandlerBuilder endpoint, string summary, params int[] errorStatuses) =>
        endpoint.WithSummary(summary).Produces<ApiResponse<TData>>().ProducesErrors(errorStatuses);

    /// <summary>200 with a message and no <c>data</c>, and an error envelope for each of <paramref name="errorStatuses"/>.</summary>
    public static RouteHandlerBuilder Documented(this RouteHandlerBuilder endpoint, string summary, params int[] errorStatuses) =>
        endpoint.WithSummary(summary).Produces<ApiResponse<object>>().ProducesErrors(errorStatuses);

    private static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder endpoint, int[] statuses)
    {
        foreach (var status in statuses) endpoint.Produces<ApiResponse<object>>(status);
        return endpoint;
    }
}
