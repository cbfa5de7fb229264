using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Web.Envelope;

/// <summary>Builds minimal-API results in the envelope.</summary>
public static class ApiResults
{
    /// <summary>200 with a message and no <c>data</c>, e.g. <c>signout success</c>.</summary>
    public static IResult Success(string message) =>
        TypedResults.Json(new ApiResponse<object>(ApiCodes.Success, StatusCodes.Status200OK, message, null));

    /// <summary>200 with <paramref name="data"/>.</summary>
    public static IResult Success<T>(string message, T data) =>
        TypedResults.Json(new ApiResponse<T>(ApiCodes.Success, StatusCodes.Status200OK, message, data));

    /// <summary>
    /// 200 with <paramref name="data"/> already rendered (a cached view): the envelope is written around its bytes with a
    /// <see cref="Utf8JsonWriter"/>, so a cache hit serializes three fields instead of the view's object graph. The body
    /// and headers are those <see cref="Success{T}(string, T)"/> writes for the same data (the names are the envelope's,
    /// api.md section 1). The names are written here a second time, beside <see cref="ApiResponse{T}"/>'s, because the
    /// serializer's path cost more than the three fields it wrote; a test compares the two byte for byte.
    /// </summary>
    /// <param name="message">The envelope's <c>message</c>, e.g. <c>success</c>.</param>
    /// <param name="data">The view, rendered with the HTTP JSON options.</param>
    public static IResult Success(string message, RenderedJson data) => new RenderedSuccessResult(message, data);

    /// <summary>An error status with the failure code and no <c>data</c>.</summary>
    public static IResult Error(int status, string message) =>
        TypedResults.Json(new ApiResponse<object>(ApiCodes.Failure, status, message, null), statusCode: status);

    /// <summary>Writes an error envelope straight to a response, for middleware that runs outside endpoints.</summary>
    public static Task WriteErrorAsync(HttpContext context, int status, string message, object? data = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new ApiResponse<object>(ApiCodes.Failure, status, message, data), context.RequestAborted);
    }

    private sealed class RenderedSuccessResult(string message, RenderedJson data) : IResult
    {
        private static readonly JsonEncodedText Code = JsonEncodedText.Encode("code");
        private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
        private static readonly JsonEncodedText Message = JsonEncodedText.Encode("message");
        private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
        private static readonly JsonEncodedText SuccessCode = JsonEncodedText.Encode(ApiCodes.Success);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json; charset=utf-8";
            // The HTTP options' encoder (ASP.NET Core's default is the relaxed one) escapes the message as the serializer
            // would. Always compact: the view's bytes were rendered at depth 0 and could not be re-indented anyway.
            var json = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            using (var writer = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = json.Encoder }))
            {
                writer.WriteStartObject();
                writer.WriteString(Code, SuccessCode);
                writer.WriteNumber(Status, StatusCodes.Status200OK);
                writer.WriteString(Message, message);
                writer.WritePropertyName(Data);
                writer.WriteRawValue(data.Utf8.Span, skipInputValidation: true);
                writer.WriteEndObject();
            }
            try
            {
                await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away, as WriteAsJsonAsync treats it: nothing to answer, nothing failed.
            }
        }
    }
}
