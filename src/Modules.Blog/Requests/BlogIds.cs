using System.Text.Json;
using System.Text.Json.Serialization;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>
/// The one place that knows what a blog id looks like: every <c>/id/{id}</c> route and <c>UpdateBlog._id</c> read and
/// validate ids here. A blog id is a MongoDB ObjectID, as the reference's are (api.md section 6): 12 bytes, written as
/// 24 hex digits, the first 4 bytes the creation time in seconds since 1970, so ids sort by creation. A Go client of the
/// reference decodes them into <c>primitive.ObjectID</c>. Clients may write the digits in either case; ours answers lower case.
/// </summary>
internal static class BlogIds
{
    /// <summary>Characters of an id as text.</summary>
    public const int Length = 24;

    /// <summary>A new id for a blog created at <paramref name="createdAt"/>: its time, then the library's per-process
    /// random value and counter, so ids made in one second by one process still increase.</summary>
    public static ObjectId New(DateTimeOffset createdAt) => ObjectId.GenerateNewId(createdAt.UtcDateTime);

    /// <summary>Reads a blog id as clients write it: exactly 24 hex digits.</summary>
    public static bool TryParse(string value, out ObjectId id)
    {
        id = ObjectId.Empty;
        // ObjectId.TryParse alone would do, but checking the digits first keeps signs, spaces and "0x" out for certain.
        return value.Length == Length && value.All(char.IsAsciiHexDigit) && ObjectId.TryParse(value, out id);
    }

    /// <summary>Reads an id that <see cref="BlogIdAttribute"/> has already accepted.</summary>
    /// <exception cref="FormatException">The value was not validated first.</exception>
    public static ObjectId Parse(string value) => TryParse(value, out var id) ? id : throw new FormatException("blog id was not validated");

    /// <summary>The failure message for <paramref name="value"/> in <paramref name="field"/>: the reference's
    /// <c>id must be of length 24</c> for a wrong length, goserve's <c>id is invalid</c> for 24 characters that are not hex.</summary>
    public static string Invalid(string field, string value) =>
        value.Length == Length ? ValidationMessages.Invalid(field) : ValidationMessages.Length(field, Length);

    /// <summary>Describes an id in OpenAPI: a string of 24 hex digits.</summary>
    public static void Describe(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.String;
        schema.Format = null;
        schema.Pattern = "^[0-9a-fA-F]{24}$";
        schema.MinLength = Length;
        schema.MaxLength = Length;
        schema.Properties?.Clear();
    }

    /// <summary>
    /// A schema transformer for the OpenAPI document: every <see cref="ObjectId"/> the API writes (a view's <c>_id</c>)
    /// is its 24 hex digits (<see cref="BlogIdJsonConverter"/>), which the generator cannot see through a converter and
    /// would otherwise describe as the struct's properties, so a generated client could not read a single blog.
    /// </summary>
    public static Task DescribeObjectIds(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        if (context.JsonTypeInfo.Type == typeof(ObjectId)) Describe(schema);
        return Task.CompletedTask;
    }
}

/// <summary>A blog id (see <see cref="BlogIds"/>); null passes (pair with <c>[Required]</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BlogIdAttribute : FieldRuleAttribute
{
    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && BlogIds.TryParse(s, out _) ? null : BlogIds.Invalid(field, value as string ?? "");

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema) => BlogIds.Describe(schema);
}

/// <summary>Writes and reads a blog id in JSON as its 24 hex digits (<see cref="ObjectId.ToString"/> writes lower case) (views, and their copies in the cache).</summary>
internal sealed class BlogIdJsonConverter : JsonConverter<ObjectId>
{
    /// <inheritdoc />
    public override ObjectId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && BlogIds.TryParse(reader.GetString()!, out var id)
            ? id
            : throw new JsonException("a blog id is 24 hex digits");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ObjectId value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
