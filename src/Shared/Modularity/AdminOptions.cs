using System.CommandLine;

namespace GoMicro.Shared.Modularity;

/// <summary>Options that commands of several modules take, declared once so they read and fail alike.</summary>
public static class AdminOptions
{
    /// <summary><c>--batch-size N</c>: rows written per transaction, a positive number (<paramref name="defaultValue"/>
    /// when not given); anything else is a parse error.</summary>
    /// <param name="description">What one batch holds, for <c>--help</c>.</param>
    /// <param name="defaultValue">The size when the option is not given.</param>
    public static Option<int> BatchSize(string description, int defaultValue)
    {
        var option = new Option<int>("--batch-size") { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError("--batch-size must be a positive number");
        });
        return option;
    }
}
