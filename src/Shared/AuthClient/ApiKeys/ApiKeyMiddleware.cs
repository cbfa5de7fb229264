using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.AuthClient.ApiKeys;

/// <summary>
/// Requires a valid <c>x-api-key</c> on every request except endpoints marked with <see cref="SkipApiKeyMetadata"/>
/// and the Swagger UI (api.md section 2). Runs before the unknown-route 404, as the reference's global middleware does.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, IApiKeyValidator validator)
{
    public const string MissingMessage = "permission denied: missing x-api-key header";
    public const string InvalidMessage = "permission denied: invalid x-api-key";

    public async Task InvokeAsync(HttpContext context)
    {
        if (ApiKeyRoutes.IsExempt(context))
        {
            await next(context);
            return;
        }

        string? key = context.Request.Headers[ApiKeyRoutes.HeaderName];
        if (string.IsNullOrEmpty(key))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, MissingMessage);
            return;
        }
        if (!await validator.IsValidAsync(key, context.RequestAborted))
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status403Forbidden, InvalidMessage);
            return;
        }
        await next(context);
    }
}
