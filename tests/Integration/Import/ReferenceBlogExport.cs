using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace GoMicro.Integration.Tests.Import;

/// <summary>How a UUID field of a reference blog is written in the export.</summary>
public enum UuidForm
{
    /// <summary>What the reference's Go driver stores for a <c>uuid.UUID</c>: a 16-byte binary of subtype 0.</summary>
    Binary0,

    /// <summary>A standard UUID binary, subtype 4.</summary>
    Binary4,

    /// <summary>A UUID string.</summary>
    Text,
}

/// <summary>One blog of the reference's <c>blogs</c> collection (the fields of gomicro's blog model).</summary>
public sealed record ReferenceBlog(
    string Id, string Title, string Description, string? Text, string DraftText, string[] Tags, Guid Author, string? ImgUrl,
    string Slug, double Score, bool Submitted, bool Drafted, bool Published, bool Status, DateTimeOffset? PublishedAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>A published, active blog by <paramref name="author"/> with a fresh id and slug and fixed past times.</summary>
    public static ReferenceBlog PublishedBy(Guid author, string title = "Microservices in Go") => new(
        NewObjectId(), title, "How the reference splits a blog into services.", "Published text of " + title,
        "Draft text of " + title, ["GO", "NATS"], author, "https://example.com/cover.png", "go-" + Guid.NewGuid().ToString("N")[..12],
        0.37, false, false, true, true, new DateTimeOffset(2024, 7, 7, 10, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2024, 7, 1, 9, 30, 0, 123, TimeSpan.Zero), new DateTimeOffset(2024, 7, 7, 10, 0, 0, TimeSpan.Zero));

    /// <summary>A draft the author is still writing: no published text, no image, no publish time.</summary>
    public static ReferenceBlog DraftBy(Guid author) => PublishedBy(author, "A draft") with
    {
        Text = null,
        ImgUrl = null,
        Published = false,
        Drafted = true,
        PublishedAt = null,
        Score = 0.01,
    };

    /// <summary>24 random hex digits, as an ObjectId is written.</summary>
    public static string NewObjectId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
}

/// <summary>
/// Writes blogs as <c>mongoexport</c> writes the reference's collection: relaxed Extended JSON (its default) or canonical
/// (<c>--jsonFormat=canonical</c>), one document a line or as one array (<c>--jsonArray</c>). The text is built by hand
/// here, not with the library the import reads it with, so a shared misunderstanding cannot pass.
/// </summary>
public static class ReferenceBlogExport
{
    /// <summary>One document a line, relaxed.</summary>
    public static string Lines(IEnumerable<ReferenceBlog> blogs, UuidForm uuids = UuidForm.Binary0) =>
        string.Join("\n", blogs.Select(b => Relaxed(b, uuids))) + "\n";

    /// <summary>The document of <paramref name="blog"/> in relaxed Extended JSON, as one line.</summary>
    public static string Relaxed(ReferenceBlog blog, UuidForm uuids = UuidForm.Binary0) =>
        Document(blog, uuids, canonical: false);

    /// <summary>A pretty-printed canonical array, as <c>mongoexport --jsonArray --pretty --jsonFormat=canonical</c>.</summary>
    public static string CanonicalArray(IEnumerable<ReferenceBlog> blogs, UuidForm uuids = UuidForm.Binary4) =>
        "[\n" + string.Join(",\n", blogs.Select(b => "  " + Document(b, uuids, canonical: true).Replace(",\"", ",\n    \""))) + "\n]\n";

    private static string Document(ReferenceBlog b, UuidForm uuids, bool canonical)
    {
        var fields = new List<string>
        {
            $"\"_id\":{{\"$oid\":\"{b.Id}\"}}",
            $"\"title\":{Str(b.Title)}",
            $"\"description\":{Str(b.Description)}",
        };
        if (b.Text is not null) fields.Add($"\"text\":{Str(b.Text)}");
        fields.Add($"\"draftText\":{Str(b.DraftText)}");
        fields.Add($"\"tags\":[{string.Join(",", b.Tags.Select(Str))}]");
        fields.Add($"\"author\":{Uuid(b.Author, uuids)}");
        if (b.ImgUrl is not null) fields.Add($"\"imgUrl\":{Str(b.ImgUrl)}");
        fields.Add($"\"slug\":{Str(b.Slug)}");
        var score = b.Score.ToString("R", CultureInfo.InvariantCulture);
        fields.Add(canonical ? $"\"score\":{{\"$numberDouble\":\"{score}\"}}" : $"\"score\":{score}");
        fields.Add($"\"submitted\":{Bool(b.Submitted)}");
        fields.Add($"\"drafted\":{Bool(b.Drafted)}");
        fields.Add($"\"published\":{Bool(b.Published)}");
        fields.Add($"\"status\":{Bool(b.Status)}");
        if (b.PublishedAt is { } publishedAt) fields.Add($"\"publishedAt\":{Date(publishedAt, canonical)}");
        fields.Add($"\"createdBy\":{Uuid(b.Author, uuids)}");
        fields.Add($"\"updatedBy\":{Uuid(b.Author, uuids)}");
        fields.Add($"\"createdAt\":{Date(b.CreatedAt, canonical)}");
        fields.Add($"\"updatedAt\":{Date(b.UpdatedAt, canonical)}");
        return "{" + string.Join(",", fields) + "}";
    }

    private static string Str(string value) => JsonSerializer.Serialize(value);

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Date(DateTimeOffset value, bool canonical) => canonical
        ? $"{{\"$date\":{{\"$numberLong\":\"{value.ToUnixTimeMilliseconds()}\"}}}}"
        : $"{{\"$date\":\"{value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}\"}}";

    private static string Uuid(Guid value, UuidForm form) => form switch
    {
        UuidForm.Text => Str(value.ToString()),
        _ => $"{{\"$binary\":{{\"base64\":\"{Convert.ToBase64String(value.ToByteArray(bigEndian: true))}\",\"subType\":\"{(form == UuidForm.Binary0 ? "00" : "04")}\"}}}}",
    };
}
