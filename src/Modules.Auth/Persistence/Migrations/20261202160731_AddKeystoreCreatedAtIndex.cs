using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoMicro.Modules.Auth.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AddKeystoreCreatedAtIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_keystore_created_at",
                table: "keystore",
                column: "created_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_keystore_created_at",
                table: "keystore");
        }
    }
}
