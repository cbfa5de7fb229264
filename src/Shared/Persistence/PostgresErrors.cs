using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoMicro.Shared.Persistence;

/// <summary>Recognises PostgreSQL errors that are expected outcomes rather than faults.</summary>
public static class PostgresErrors
{
    /// <summary>SQLSTATE 23505 (unique_violation), PostgreSQL error codes appendix.</summary>
    public const string UniqueViolation = "23505";

    /// <summary>True when the save failed on a unique index, optionally a named one: a concurrent insert of the same key won.</summary>
    /// <param name="exception">The failed save.</param>
    /// <param name="constraint">The index or constraint name to match, or null for any.</param>
    public static bool IsUniqueViolation(this DbUpdateException exception, string? constraint = null) =>
        exception.InnerException is PostgresException { SqlState: UniqueViolation } pg
        && (constraint is null || pg.ConstraintName == constraint);

    /// <summary>The same test for a raw <see cref="PostgresException"/> (from <c>ExecuteSql</c>).</summary>
    public static bool IsUniqueViolation(this PostgresException exception, string? constraint = null) =>
        exception.SqlState == UniqueViolation && (constraint is null || exception.ConstraintName == constraint);
}
