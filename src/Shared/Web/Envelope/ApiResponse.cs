using System.Text.Json.Serialization;

namespace GoMicro.Shared.Web.Envelope;

/// <summary>
/// The body of every HTTP response, success or error, as the reference system writes it (api.md section 1):
/// <c>{ "code": "10000", "status": 200, "message": "success", "data": { } }</c>.
/// </summary>
/// <typeparam name="T">Shape of <c>data</c>.</typeparam>
/// <param name="Code"><see cref="ApiCodes.Success"/> or <see cref="ApiCodes.Failure"/> (a string, as in the reference).</param>
/// <param name="Status">The HTTP status, repeated as a number.</param>
/// <param name="Message">Human-readable text; the texts api.md fixes are part of the contract.</param>
/// <param name="Data">Present only when there is data: omitted from JSON when null, never written as <c>null</c>.</param>
public sealed record ApiResponse<T>(
    string Code,
    int Status,
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] T? Data);

/// <summary>The reference's envelope codes.</summary>
public static class ApiCodes
{
    /// <summary>Every 2xx answer.</summary>
    public const string Success = "10000";
    /// <summary>Every error answer.</summary>
    public const string Failure = "10001";
}
