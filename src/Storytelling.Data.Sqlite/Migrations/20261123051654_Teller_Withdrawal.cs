using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Sqlite.Migrations
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
                type: "TEXT",
                maxLength: 8000,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PublishedUpdateAt",
                table: "Projects",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "PendingBlobDeletions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    BlobName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false)
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
