using System.Runtime.CompilerServices;
using MongoDB.Bson;
using MongoDB.Bson.IO;
using MongoDB.Bson.Serialization;
using MongoDB.Bson.Serialization.Serializers;

namespace GoMicro.Modules.Blog.Import;

/// <summary>One document of an export, or why it could not be read.</summary>
/// <param name="Where">Its place in the file, for messages: <c>line 7</c> or <c>document 7</c> (counted from 1).</param>
/// <param name="Document">The document, when it could be read.</param>
/// <param name="Reason">Why it could not, in plain words; null when <paramref name="Document"/> is set.</param>
internal sealed record ExportEntry(string Where, BsonDocument? Document, string? Reason);

/// <summary>
/// Reads a collection as <c>mongoexport</c> writes it, with MongoDB.Bson's Extended JSON reader, which takes the
/// canonical and the relaxed form (and the shell's <c>ObjectId("…")</c> form): by default one document a line, where a
/// line that cannot be read is reported and the next line read as usual; with <c>--jsonArray</c> one JSON array (also
/// pretty-printed), recognised by its leading <c>[</c>, where a syntax error ends the reading, since where the next
/// document would begin is then unknown. The file is streamed, never held in memory whole.
/// </summary>
internal static class MongoExportReader
{
    /// <summary>The documents of the file at <paramref name="path"/>, in file order.</summary>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static async IAsyncEnumerable<ExportEntry> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await StartsWithArrayAsync(path, cancellationToken))
        {
            foreach (var entry in ReadArray(path))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return entry;
            }
            yield break;
        }
        await foreach (var entry in ReadLinesAsync(path, cancellationToken)) yield return entry;
    }

    private static async Task<bool> StartsWithArrayAsync(string path, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[1];
        while (await reader.ReadAsync(buffer, cancellationToken) == 1)
            if (!char.IsWhiteSpace(buffer[0])) return buffer[0] == '[';
        return false;
    }

    private static async IAsyncEnumerable<ExportEntry> ReadLinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path);
        var number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var document = TryParse(line);
            yield return new ExportEntry($"line {number}", document, document is null ? "not a JSON document (Extended JSON, one document a line)" : null);
        }
    }

    private static BsonDocument? TryParse(string line)
    {
        try
        {
            return BsonDocument.Parse(line);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            return null;
        }
    }

    private static IEnumerable<ExportEntry> ReadArray(string path)
    {
        using var text = new StreamReader(path);
        using var reader = new JsonReader(text);
        var number = 0;
        var (started, failure) = Step(() => reader.ReadStartArray());
        while (started)
        {
            BsonType type = default;
            (var read, failure) = Step(() => type = reader.ReadBsonType());
            if (!read || type == BsonType.EndOfDocument) break;
            if (type != BsonType.Document)
            {
                (read, failure) = Step(reader.SkipValue);
                if (!read) break;
                yield return new ExportEntry($"document {++number}", null, "not a JSON object");
                continue;
            }
            BsonDocument? document = null;
            (read, failure) = Step(() => document = BsonDocumentSerializer.Instance.Deserialize(BsonDeserializationContext.CreateRoot(reader)));
            if (!read) break;
            yield return new ExportEntry($"document {++number}", document, null);
        }
        if (failure is null && started)
            (_, failure) = Step(() =>
            {
                reader.ReadEndArray();
                if (!reader.IsAtEndOfFile()) throw new FormatException("content after the array");
            });
        if (failure is not null)
            yield return new ExportEntry(number == 0 ? "the array" : $"the array after document {number}", null,
                "not valid Extended JSON; nothing after this point could be read");
    }

    /// <summary>Runs one reading step; false and the failure when the text is not valid Extended JSON there (an iterator
    /// cannot yield from inside a <c>catch</c>, so failures come back as values).</summary>
    private static (bool Succeeded, Exception? Failure) Step(Action step)
    {
        try
        {
            step();
            return (true, null);
        }
        catch (Exception ex) when (IsUnreadable(ex))
        {
            return (false, ex);
        }
    }

    /// <summary>What MongoDB.Bson throws for text that is not (a document of) Extended JSON.</summary>
    private static bool IsUnreadable(Exception ex) =>
        ex is FormatException or BsonException or InvalidOperationException or ArgumentException or EndOfStreamException or OverflowException;
}
