using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Teller_Withdrawal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "PublishedUpdate",
                table: "Projects",
                type: "character varying(8000)",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "PublishedUpdateAt",
                table: "Projects",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PendingBlobDeletions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    BlobName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    NextAttemptAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingBlobDeletions", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_PendingBlobDeletions_BlobName",
                table: "PendingBlobDeletions",
                column: "BlobName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PendingBlobDeletions_NextAttemptAt",
                table: "PendingBlobDeletions",
                column: "NextAttemptAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "PendingBlobDeletions");

            migrationBuilder.DropColumn(
                name: "PublishedUpdate",
                table: "Projects");

            migrationBuilder.DropColumn(
                name: "PublishedUpdateAt",
                table: "Projects");
        }
    }
}
