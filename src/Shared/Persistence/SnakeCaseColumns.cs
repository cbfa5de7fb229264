using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Shared.Persistence;

/// <summary>Maps every property to its snake_case column (<c>ProfilePicUrl</c> → <c>profile_pic_url</c>), the naming the
/// hand-written SQL migrations use, so a DbContext names only its tables and keys.</summary>
public static class SnakeCaseColumns
{
    /// <summary>Sets the column name of every property of every entity type already in <paramref name="model"/>; call it
    /// last in <c>OnModelCreating</c>.</summary>
    public static ModelBuilder UseSnakeCaseColumns(this ModelBuilder model)
    {
        foreach (var entity in model.Model.GetEntityTypes())
            foreach (var property in entity.GetProperties())
                property.SetColumnName(JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
        return model;
    }
}
