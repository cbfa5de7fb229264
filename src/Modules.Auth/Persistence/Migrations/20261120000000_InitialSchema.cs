using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GoMicro.Modules.Auth.Persistence.Migrations;

/// <summary>
/// The Auth schema, written by hand (EF Core's design-time package does not restore here). Plain SQL keeps the exact
/// schema reviewable: names, constraints and indexes are what the code relies on, e.g. <c>ux_users_email</c> makes two
/// concurrent sign-ups of one email end in one success and one 400.
/// </summary>
[DbContext(typeof(AuthDbContext))]
[Migration("20261120000000_InitialSchema")]
internal sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE users (
                id              uuid PRIMARY KEY,
                email           text NOT NULL,
                name            text NOT NULL,
                password_hash   text NOT NULL,
                profile_pic_url text NULL,
                verified        boolean NOT NULL DEFAULT false,
                status          boolean NOT NULL DEFAULT true,
                created_at      timestamptz NOT NULL,
                updated_at      timestamptz NOT NULL,
                CONSTRAINT ck_users_email_lower CHECK (email = lower(email))
            );
            CREATE UNIQUE INDEX ux_users_email ON users (email);

            CREATE TABLE roles (
                id         uuid PRIMARY KEY,
                code       text NOT NULL,
                status     boolean NOT NULL DEFAULT true,
                created_at timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX ux_roles_code ON roles (code);
            -- Reference data every environment needs (sign-up assigns LEARNER), so it ships with the schema, not the seed.
            INSERT INTO roles (id, code, status, created_at) VALUES
                ('0193a6f0-0000-7000-8000-000000000001', 'LEARNER', true, now()),
                ('0193a6f0-0000-7000-8000-000000000002', 'AUTHOR',  true, now()),
                ('0193a6f0-0000-7000-8000-000000000003', 'EDITOR',  true, now()),
                ('0193a6f0-0000-7000-8000-000000000004', 'ADMIN',   true, now());

            CREATE TABLE user_roles (
                user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, role_id)
            );

            CREATE TABLE keystore (
                id            uuid PRIMARY KEY,
                user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                primary_key   text NOT NULL,
                secondary_key text NOT NULL,
                status        boolean NOT NULL DEFAULT true,
                created_at    timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX ux_keystore_primary_key ON keystore (primary_key);
            CREATE INDEX ix_keystore_user_id ON keystore (user_id);

            CREATE TABLE api_keys (
                id          uuid PRIMARY KEY,
                key         text NOT NULL,
                version     integer NOT NULL DEFAULT 1,
                permissions text[] NOT NULL DEFAULT '{}',
                comments    text[] NOT NULL DEFAULT '{}',
                status      boolean NOT NULL DEFAULT true,
                created_at  timestamptz NOT NULL,
                updated_at  timestamptz NOT NULL
            );
            CREATE UNIQUE INDEX ux_api_keys_key ON api_keys (key);
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE api_keys; DROP TABLE keystore; DROP TABLE user_roles; DROP TABLE roles; DROP TABLE users;");
    }
}
