namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// Every client-facing text of a request that failed binding or validation, in goserve's wording (api.md section 6):
/// <c>&lt;field&gt; is required</c>, <c>&lt;field&gt; must be at least &lt;n&gt; characters</c>, ... with the field's JSON
/// name lower-cased (<c>drafttext</c>, <c>profilepicurl</c>), several joined with <see cref="Separator"/>. Where the
/// reference passes its JSON decoder's text, ours says what is wrong in the field's terms and never names a type.
/// </summary>
public static class ValidationMessages
{
    /// <summary>How the messages of several failing fields are joined, as the reference joins them.</summary>
    public const string Separator = ", ";

    /// <summary>A body whose bytes are not JSON at all (syntax error, truncated, invalid UTF-8, nested too deep).</summary>
    public const string BodyNotJson = "body is not valid JSON";
    /// <summary>A JSON body that is not an object: an array, a string, a number, <c>null</c>.</summary>
    public const string BodyNotObject = "body must be a JSON object";
    /// <summary>A route that reads a body got none.</summary>
    public const string BodyRequired = "body is required";
    /// <summary>415: the body is not declared as JSON.</summary>
    public const string UnsupportedContentType = "content-type must be application/json";
    /// <summary>413: the body exceeds <c>Kestrel:Limits:MaxRequestBodySize</c>.</summary>
    public const string BodyTooLarge = "request body too large";
    /// <summary>Any other request the framework could not bind.</summary>
    public const string BadRequest = "bad request";

    /// <summary>The field as messages name it: its JSON name lower-cased, as goserve shows Go field names.</summary>
    public static string FieldName(string jsonName) => jsonName.ToLowerInvariant();

    /// <summary><c>email is required</c>: absent, null, or empty once trimmed.</summary>
    public static string Required(string field) => $"{field} is required";
    /// <summary><c>password must be at least 6 characters</c>.</summary>
    public static string MinLength(string field, int length) => $"{field} must be at least {length} characters";
    /// <summary><c>title must be at most 500 characters</c>.</summary>
    public static string MaxLength(string field, int length) => $"{field} must be at most {length} characters";
    /// <summary><c>id must be of length 24</c>: goserve's text for a value of the wrong fixed length.</summary>
    public static string Length(string field, int length) => $"{field} must be of length {length}";
    /// <summary><c>tags must contain at least 1 item</c>: a list with too few elements.</summary>
    public static string MinItems(string field, int count) => $"{field} must contain at least {count} item{(count == 1 ? "" : "s")}";
    /// <summary><c>tags must contain at most 20 items</c>.</summary>
    public static string MaxItems(string field, int count) => $"{field} must contain at most {count} item{(count == 1 ? "" : "s")}";
    /// <summary><c>email is not a valid email</c>.</summary>
    public static string Email(string field) => $"{field} is not a valid email";
    /// <summary><c>imgurl is not a valid URL</c>.</summary>
    public static string Url(string field) => $"{field} is not a valid URL";
    /// <summary><c>id must be a valid UUID</c>.</summary>
    public static string Uuid(string field) => $"{field} must be a valid UUID";
    /// <summary><c>tag must be uppercase</c>.</summary>
    public static string Uppercase(string field) => $"{field} must be uppercase";
    /// <summary><c>page must be greater than or equal to 1</c>.</summary>
    public static string AtLeast(string field, long minimum) => $"{field} must be greater than or equal to {minimum}";
    /// <summary><c>limit must be less than or equal to 1000</c>.</summary>
    public static string AtMost(string field, long maximum) => $"{field} must be less than or equal to {maximum}";
    /// <summary>goserve's fallback for any other rule, e.g. a control character in a field.</summary>
    public static string Invalid(string field) => $"{field} is invalid";

    /// <summary><c>email must be a string</c>: the JSON value has another type.</summary>
    public static string MustBeString(string field) => $"{field} must be a string";
    /// <summary><c>tags must be an array of strings</c>.</summary>
    public static string MustBeStringArray(string field) => $"{field} must be an array of strings";
    /// <summary><c>page must be an integer</c>.</summary>
    public static string MustBeInteger(string field) => $"{field} must be an integer";
    /// <summary><c>verified must be a boolean</c>.</summary>
    public static string MustBeBoolean(string field) => $"{field} must be a boolean";
    /// <summary><c>author must be a JSON object</c>.</summary>
    public static string MustBeObject(string field) => $"{field} must be a JSON object";
}
