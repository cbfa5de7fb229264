using Microsoft.AspNetCore.Http;

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
}
