using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GoMicro.Shared.Persistence;

/// <summary>
/// Column <c>DEFAULT</c>s that exist for rows written by SQL (seeds, <c>ON CONFLICT</c> upserts, a psql session) while EF
/// keeps writing the property's own value. A plain <c>HasDefaultValue</c> makes EF leave a property out of the
/// <c>INSERT</c> when it holds the CLR default, so <c>Status = false</c> on a column that defaults to <c>true</c> would be
/// stored as <c>true</c>; these helpers add <c>ValueGeneratedNever</c> so the value EF holds is the value stored.
/// </summary>
public static class ColumnDefaults
{
    /// <summary>Declares the column default <paramref name="value"/> in the schema; EF always writes the property.</summary>
    /// <typeparam name="T">The property type.</typeparam>
    /// <param name="property">The property's builder.</param>
    /// <param name="value">The default, rendered by the provider (e.g. <c>true</c>, <c>1</c>, <c>0.01</c>).</param>
    public static PropertyBuilder<T> HasColumnDefault<T>(this PropertyBuilder<T> property, T value) =>
        property.HasDefaultValue(value).ValueGeneratedNever();

    /// <summary>Declares the column default as SQL (for values EF renders differently from the schema, e.g. <c>'{}'</c>
    /// for an empty <c>text[]</c>); EF always writes the property.</summary>
    /// <typeparam name="T">The property type.</typeparam>
    /// <param name="property">The property's builder.</param>
    /// <param name="sql">The default's SQL expression.</param>
    public static PropertyBuilder<T> HasColumnDefaultSql<T>(this PropertyBuilder<T> property, string sql) =>
        property.HasDefaultValueSql(sql).ValueGeneratedNever();
}
