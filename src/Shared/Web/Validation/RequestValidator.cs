using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// Normalises and validates a request model (a JSON body or an <c>[AsParameters]</c> route/query record) field by field:
/// every string is trimmed (unless <see cref="VerbatimAttribute"/>) and normalised by its rules, then checked in this
/// order: <see cref="RequiredAttribute"/>, the <see cref="TextRules"/> every string obeys, then the field's other
/// attributes as declared. The first failure of each field gives its message, in goserve's wording.
/// </summary>
public static class RequestValidator
{
    private static readonly ConcurrentDictionary<Type, FieldDescriptor[]> Fields = new();

    /// <summary>Trims and normalises <paramref name="model"/> in place, then returns one message per failing field, in declaration order.</summary>
    /// <param name="model">The bound argument; null yields <see cref="ValidationMessages.BodyRequired"/>.</param>
    public static IReadOnlyList<string> NormalizeAndValidate(object? model)
    {
        if (model is null) return [ValidationMessages.BodyRequired];
        List<string>? errors = null;
        foreach (var field in Fields.GetOrAdd(model.GetType(), Describe))
        {
            var value = field.Normalize(model);
            if (field.Check(value) is { } message) (errors ??= []).Add(message);
        }
        return errors ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The name messages give the property: its JSON, route or query name, lower-cased.</summary>
    public static string FieldName(PropertyInfo property) => ValidationMessages.FieldName(
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
        ?? property.GetCustomAttribute<FromRouteAttribute>()?.Name
        ?? property.GetCustomAttribute<FromQueryAttribute>()?.Name
        ?? property.GetCustomAttribute<FromHeaderAttribute>()?.Name
        ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name));

    private static FieldDescriptor[] Describe(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => new FieldDescriptor(p))
            .ToArray();

    private sealed class FieldDescriptor
    {
        private readonly Func<object, object?> _get;
        private readonly Action<object, object?>? _set;
        private readonly string _name;
        private readonly RequiredAttribute? _required;
        private readonly ValidationAttribute[] _rules;
        private readonly FieldRuleAttribute[] _normalizers;
        private readonly bool _trim;
        private readonly bool _multiline;
        private readonly bool _isString;
        private readonly bool _isStringList;

        public FieldDescriptor(PropertyInfo property)
        {
            (_get, _set) = Accessors(property);
            _name = FieldName(property);
            var attributes = property.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
            _required = attributes.OfType<RequiredAttribute>().FirstOrDefault();
            _rules = attributes.Where(a => a is not RequiredAttribute).ToArray();
            _normalizers = _rules.OfType<FieldRuleAttribute>().ToArray();
            _trim = property.GetCustomAttribute<VerbatimAttribute>() is null;
            _multiline = property.GetCustomAttribute<MultilineAttribute>() is not null;
            _isString = property.PropertyType == typeof(string);
            _isStringList = typeof(IEnumerable<string>).IsAssignableFrom(property.PropertyType) && !_isString;
        }

        /// <summary>Trims and normalises the value, writing it back when it changed (init-only setters included).</summary>
        public object? Normalize(object model)
        {
            var value = _get(model);
            if (_set is null) return value;
            if (_isString && value is string s)
            {
                var normalized = NormalizeText(s);
                if (!ReferenceEquals(normalized, s)) _set(model, normalized);
                return normalized;
            }
            if (_isStringList && value is List<string?> list)
            {
                for (var i = 0; i < list.Count; i++)
                    if (list[i] is { } item) list[i] = NormalizeText(item);
            }
            return value;
        }

        /// <summary>Compiled getter and setter (init-only included; null when the property has no setter): every request
        /// runs them on every field, and reflection's GetValue/SetValue cost several times as much.</summary>
        private static (Func<object, object?> Get, Action<object, object?>? Set) Accessors(PropertyInfo property)
        {
            var model = Expression.Parameter(typeof(object), "model");
            var typed = Expression.Convert(model, property.DeclaringType!);
            var get = Expression.Lambda<Func<object, object?>>(
                Expression.Convert(Expression.Property(typed, property), typeof(object)), model).Compile();
            if (property.SetMethod is not { } setter) return (get, null);
            var value = Expression.Parameter(typeof(object), "value");
            var set = Expression.Lambda<Action<object, object?>>(
                Expression.Call(typed, setter, Expression.Convert(value, property.PropertyType)), model, value).Compile();
            return (get, set);
        }

        private string NormalizeText(string value)
        {
            var text = _trim ? value.Trim() : value;
            foreach (var rule in _normalizers) text = rule.Normalize(text);
            return text;
        }

        public string? Check(object? value)
        {
            if (_required is not null && !_required.IsValid(value)) return ValidationMessages.Required(_name);
            if (value is null) return null;
            if (value is string s && !TextRules.IsClean(s, _multiline)) return ValidationMessages.Invalid(_name);
            if (_isStringList && value is IEnumerable<string?> items && items.Any(i => i is not null && !TextRules.IsClean(i, _multiline)))
                return ValidationMessages.Invalid(_name);
            foreach (var rule in _rules)
                if (Describe(rule, value) is { } message) return message;
            return null;
        }

        private string? Describe(ValidationAttribute rule, object value) => rule switch
        {
            FieldRuleAttribute field => field.Check(value, _name),
            StringLengthAttribute length when value is string s => s.Length < length.MinimumLength ? ValidationMessages.MinLength(_name, length.MinimumLength)
                : s.Length > length.MaximumLength ? ValidationMessages.MaxLength(_name, length.MaximumLength) : null,
            MinLengthAttribute min when value is string s => s.Length < min.Length ? ValidationMessages.MinLength(_name, min.Length) : null,
            MaxLengthAttribute max when value is string s => s.Length > max.Length ? ValidationMessages.MaxLength(_name, max.Length) : null,
            MinLengthAttribute min when value is System.Collections.ICollection c => c.Count < min.Length ? ValidationMessages.MinItems(_name, min.Length) : null,
            MaxLengthAttribute max when value is System.Collections.ICollection c => c.Count > max.Length ? ValidationMessages.MaxItems(_name, max.Length) : null,
            _ => rule.IsValid(value) ? null : ValidationMessages.Invalid(_name),
        };
    }
}
