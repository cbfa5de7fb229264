using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// Runs <see cref="RequestValidator"/> on the request arguments before the endpoint, and answers 400 in the envelope
/// with every failing field's message joined by <see cref="ValidationMessages.Separator"/> (api.md sections 1 and 6).
/// Applies to arguments whose type is declared in a GoMicro assembly: request bodies and <c>[AsParameters]</c>
/// route/query records. Failures before this point (a body that is not JSON, a value of the wrong JSON type, a body
/// too large) are translated by <see cref="BindingFailures"/>, so every route answers bad input the same way.
/// </summary>
/// <remarks>
/// .NET 10's built-in minimal-API validation generates its validators per assembly and reports through
/// ProblemDetails; this filter uses the same DataAnnotations attributes, runs for endpoints mapped by any module
/// assembly, trims and normalises before validating, and writes the reference's envelope and wording directly.
/// </remarks>
public static class ValidationFilter
{
    /// <summary>Adds the filter to every endpoint of <paramref name="builder"/> (typically a module's route group).</summary>
    public static TBuilder WithRequestValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factoryContext, next) =>
        {
            var validated = factoryContext.MethodInfo.GetParameters()
                .Select((p, i) => (p.ParameterType, Index: i))
                .Where(p => IsRequestModel(p.ParameterType))
                .Select(p => p.Index)
                .ToArray();
            if (validated.Length == 0) return next;

            return async invocationContext =>
            {
                List<string>? errors = null;
                foreach (var index in validated)
                    if (RequestValidator.NormalizeAndValidate(invocationContext.Arguments[index]) is { Count: > 0 } failed)
                        (errors ??= []).AddRange(failed);
                if (errors is not null)
                    return ApiResults.Error(StatusCodes.Status400BadRequest, string.Join(ValidationMessages.Separator, errors));
                return await next(invocationContext);
            };
        });

    private static bool IsRequestModel(Type type) =>
        type.IsClass && type.Assembly.GetName().Name?.StartsWith("GoMicro.", StringComparison.Ordinal) == true;
}
