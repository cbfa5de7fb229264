using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>
/// The one place that knows what a blog id looks like: every <c>/id/{id}</c> route and <c>UpdateBlog._id</c> read and
/// validate ids here, so changing the id format (api.md section 6: the reference's 24-hex ObjectIDs) is one change.
/// Today a blog id is a canonical UUID.
/// </summary>
internal static class BlogIds
{
    /// <summary>Reads a blog id as clients write it.</summary>
    public static bool TryParse(string value, out Guid id) => UuidAttribute.TryParse(value, out id);

    /// <summary>Reads an id that <see cref="BlogIdAttribute"/> has already accepted.</summary>
    /// <exception cref="FormatException">The value was not validated first.</exception>
    public static Guid Parse(string value) => TryParse(value, out var id) ? id : throw new FormatException("blog id was not validated");

    /// <summary>The failure message for <paramref name="field"/> (goserve's wording).</summary>
    public static string Invalid(string field) => ValidationMessages.Uuid(field);

    /// <summary>The id's OpenAPI format.</summary>
    public const string Format = "uuid";
}

/// <summary>A blog id (see <see cref="BlogIds"/>); null passes (pair with <c>[Required]</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BlogIdAttribute : FieldRuleAttribute
{
    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && BlogIds.TryParse(s, out _) ? null : BlogIds.Invalid(field);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema) => schema.Format = BlogIds.Format;
}
