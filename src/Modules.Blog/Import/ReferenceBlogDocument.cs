using GoMicro.Modules.Blog.Persistence;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Import;

/// <summary>
/// Reads one document of the reference's <c>blogs</c> collection (gomicro's <c>blog_service/api/blog/model/blog.go</c>)
/// into a <see cref="BlogPost"/>, keeping its id, slug, texts, tags, states and timestamps exactly. The document's fields:
/// <c>_id</c> (ObjectId), <c>title</c>, <c>description</c>, <c>text?</c>, <c>draftText</c>, <c>tags</c>, <c>author</c>,
/// <c>imgUrl?</c>, <c>slug</c>, <c>score</c>, <c>submitted</c>, <c>drafted</c>, <c>published</c>, <c>status</c>,
/// <c>publishedAt?</c>, <c>createdBy</c>, <c>updatedBy</c>, <c>createdAt</c>, <c>updatedAt</c>; the optional ones may be
/// absent or null, other fields are ignored. The rules checked are the reference model's own (<c>title</c> at most 500
/// characters, <c>description</c> at most 2000, <c>slug</c> 3–200, <c>score</c> 0..1, the texts non-empty) plus what this
/// database requires (at least one tag), so data the reference accepted comes in unchanged rather than being held to
/// this API's stricter create rules.
/// </summary>
internal static class ReferenceBlogDocument
{
    /// <summary>The reference model's limits (its <c>validate</c> tags).</summary>
    private const int MaxTitle = 500, MaxDescription = 2000, MinSlug = 3, MaxSlug = 200;

    /// <summary>The blog the document describes, or the reason it cannot be imported (naming the document's field).</summary>
    public static (BlogPost? Blog, string? Reason) Read(BsonDocument document)
    {
        try
        {
            var blog = new BlogPost
            {
                Id = document.TryGetValue("_id", out var id) && id.IsObjectId ? id.AsObjectId : throw Invalid("'_id' must be an ObjectId"),
                Title = Text(document, "title", MaxTitle),
                Description = Text(document, "description", MaxDescription),
                Text = OptionalString(document, "text"),
                DraftText = Text(document, "draftText", int.MaxValue),
                Tags = Tags(document),
                AuthorId = Uuid(document, "author"),
                ImgUrl = OptionalString(document, "imgUrl"),
                Slug = Text(document, "slug", MaxSlug),
                Score = Score(document),
                Submitted = Boolean(document, "submitted"),
                Drafted = Boolean(document, "drafted"),
                Published = Boolean(document, "published"),
                Status = Boolean(document, "status"),
                PublishedAt = OptionalDate(document, "publishedAt"),
                CreatedBy = Uuid(document, "createdBy"),
                UpdatedBy = Uuid(document, "updatedBy"),
                CreatedAt = Date(document, "createdAt"),
                UpdatedAt = Date(document, "updatedAt"),
            };
            if (blog.Slug.Length < MinSlug) throw Invalid($"'slug' must be at least {MinSlug} characters");
            return (blog, null);
        }
        catch (InvalidDocumentException ex)
        {
            return (null, ex.Message);
        }
    }

    private static BsonValue Required(BsonDocument document, string field) =>
        document.TryGetValue(field, out var value) && !value.IsBsonNull ? value : throw Invalid($"'{field}' is missing");

    private static string Text(BsonDocument document, string field, int maxLength)
    {
        var value = Required(document, field);
        if (!value.IsString) throw Invalid($"'{field}' must be a string");
        var text = value.AsString;
        if (text.Length == 0) throw Invalid($"'{field}' is empty");
        return text.Length <= maxLength ? text : throw Invalid($"'{field}' is longer than {maxLength} characters");
    }

    private static string? OptionalString(BsonDocument document, string field) =>
        !document.TryGetValue(field, out var value) || value.IsBsonNull ? null
        : value.IsString ? value.AsString
        : throw Invalid($"'{field}' must be a string");

    private static List<string> Tags(BsonDocument document)
    {
        var value = Required(document, "tags");
        if (!value.IsBsonArray || value.AsBsonArray.Any(t => !t.IsString)) throw Invalid("'tags' must be an array of strings");
        return value.AsBsonArray.Count > 0 ? value.AsBsonArray.Select(t => t.AsString).ToList() : throw Invalid("'tags' is empty");
    }

    /// <summary>A user id as the reference's Go driver stores a <c>uuid.UUID</c> (a 16-byte array: binary subtype 0,
    /// bytes in RFC 4122 order), as a standard UUID binary (subtype 4, same order), or as a UUID string. Subtype 3 is
    /// left out: its byte order depends on the driver that wrote it, so reading it could silently yield another id.</summary>
    private static Guid Uuid(BsonDocument document, string field)
    {
        var value = Required(document, field);
        if (value is BsonBinaryData { SubType: BsonBinarySubType.Binary or BsonBinarySubType.UuidStandard, Bytes.Length: 16 } binary)
            return new Guid(binary.Bytes, bigEndian: true);
        if (value.IsString && Guid.TryParse(value.AsString, out var parsed)) return parsed;
        throw Invalid($"'{field}' must be a UUID (16-byte binary of subtype 0 or 4, or a UUID string)");
    }

    private static double Score(BsonDocument document)
    {
        var value = Required(document, "score");
        if (!value.IsNumeric) throw Invalid("'score' must be a number");
        var score = value.ToDouble();
        return score is >= 0 and <= 1 ? score : throw Invalid("'score' must be from 0 to 1");
    }

    private static bool Boolean(BsonDocument document, string field)
    {
        var value = Required(document, field);
        return value.IsBoolean ? value.AsBoolean : throw Invalid($"'{field}' must be true or false");
    }

    private static DateTimeOffset Date(BsonDocument document, string field) => ToDate(Required(document, field), field);

    private static DateTimeOffset? OptionalDate(BsonDocument document, string field) =>
        !document.TryGetValue(field, out var value) || value.IsBsonNull ? null : ToDate(value, field);

    private static DateTimeOffset ToDate(BsonValue value, string field) =>
        value is BsonDateTime { IsValidDateTime: true } date
            ? new DateTimeOffset(date.ToUniversalTime(), TimeSpan.Zero)
            : throw Invalid($"'{field}' must be a date");

    private static InvalidDocumentException Invalid(string reason) => new(reason);

    /// <summary>Carries a reason out of the nested readers; never leaves <see cref="Read"/>.</summary>
    private sealed class InvalidDocumentException(string reason) : Exception(reason);
}
