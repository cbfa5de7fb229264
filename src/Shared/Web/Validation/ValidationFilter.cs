using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// Validates request arguments with their DataAnnotations attributes before the endpoint runs, and answers 400 in the
/// envelope with every failing field, comma-separated (api.md section 1). Applies to arguments whose type is declared
/// in a GoMicro assembly: request bodies and <c>[AsParameters]</c> route/query records.
/// </summary>
/// <remarks>
/// .NET 10's built-in minimal-API validation generates its validators per assembly and reports through
/// ProblemDetails; this filter uses the same DataAnnotations attributes, runs for endpoints mapped by any module
/// assembly, and writes the reference's envelope directly.
/// </remarks>
public static class ValidationFilter
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();

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
                foreach (var index in validated)
                {
                    var errors = Validate(invocationContext.Arguments[index]);
                    if (errors.Count > 0)
                        return ApiResults.Error(StatusCodes.Status400BadRequest, string.Join(", ", errors));
                }
                return await next(invocationContext);
            };
        });

    /// <summary>Validates <paramref name="model"/> and returns one text per failing field, named as in JSON (camelCase).</summary>
    /// <param name="model">The argument; null yields <c>request body is required</c>.</param>
    public static IReadOnlyList<string> Validate(object? model)
    {
        if (model is null) return ["request body is required"];
        var errors = new List<string>();
        var context = new ValidationContext(model);
        foreach (var property in Properties.GetOrAdd(model.GetType(), ReadableProperties))
        {
            context.MemberName = property.Name;
            context.DisplayName = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateProperty(property.GetValue(model), context, results))
                errors.AddRange(results.Select(r => (r.ErrorMessage ?? $"The {context.DisplayName} field is invalid.").TrimEnd('.')));
        }
        return errors;
    }

    private static PropertyInfo[] ReadableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToArray();

    private static bool IsRequestModel(Type type) =>
        type.IsClass && type.Assembly.GetName().Name?.StartsWith("GoMicro.", StringComparison.Ordinal) == true;
}
