using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace GoMicro.Host;

/// <summary>
/// Turns a failed options validation (every options class is validated at start, <c>ValidateOnStart</c>) into one line
/// naming the configuration key, its environment variable and the value it had, e.g.
/// <c>Bus:RequestTimeout (environment Bus__RequestTimeout) is -00:00:01: must be between 00:00:00.001 and 365.00:00:00</c>.
/// </summary>
public static partial class ConfigurationFaults
{
    /// <summary>Runs the validations registered with <c>ValidateOnStart</c> now, as the host's start would.</summary>
    /// <exception cref="StartupException">A setting is invalid (<see cref="ExitCodes.BadConfiguration"/>); the message names
    /// each key.</exception>
    public static void ValidateOptions(IServiceProvider services, IConfiguration configuration)
    {
        try
        {
            services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException { InnerExceptions: [OptionsValidationException, ..] })
        {
            var faults = ex is AggregateException all ? all.InnerExceptions.OfType<OptionsValidationException>() : [(OptionsValidationException)ex];
            // Distinct: options registered by two modules (the outbox's) are validated once per registration.
            var problems = faults.SelectMany(f => Problems(f, configuration)).Distinct(StringComparer.Ordinal);
            throw new StartupException($"invalid configuration: {string.Join("; ", problems)}", ExitCodes.BadConfiguration, ex);
        }
    }

    /// <summary>One text per failed rule of <paramref name="fault"/>.</summary>
    private static IEnumerable<string> Problems(OptionsValidationException fault, IConfiguration configuration)
    {
        // Every options class names its section in a SectionName constant.
        var section = fault.OptionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
        return fault.Failures.Select(failure =>
        {
            var annotation = DataAnnotationFailure().Match(failure);
            if (section is null || !annotation.Success) return failure;
            var key = $"{section}:{annotation.Groups["member"].Value}";
            var rule = FieldPrefix().Replace(annotation.Groups["error"].Value, "").TrimEnd('.');
            var value = configuration[key];
            return $"{key} (environment {key.Replace(":", "__", StringComparison.Ordinal)}) {(value is null ? "is not set" : $"is {value}")}: {rule}";
        });
    }

    /// <summary>The failure text of <c>ValidateDataAnnotations</c>: <c>DataAnnotation validation failed for 'BusOptions'
    /// members: 'RequestTimeout' with the error: 'The field RequestTimeout must be between ...'.</c></summary>
    [GeneratedRegex("members: '(?<member>[^',]+)' with the error: '(?<error>.*)'\\.?$")]
    private static partial Regex DataAnnotationFailure();

    /// <summary>The attribute's default subject (<c>The field RequestTimeout </c>), replaced by the key.</summary>
    [GeneratedRegex("^The (field )?[A-Za-z]+ (field )?")]
    private static partial Regex FieldPrefix();
}
