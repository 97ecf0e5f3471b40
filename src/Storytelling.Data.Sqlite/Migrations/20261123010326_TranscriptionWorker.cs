using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class TranscriptionWorker : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TranscriptionJobs_RecordingId",
                table: "TranscriptionJobs");

            migrationBuilder.CreateTable(
                name: "WorkerHeartbeats",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Machine = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    ModelName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeenAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkerHeartbeats", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TranscriptionJobs_RecordingId",
                table: "TranscriptionJobs",
                column: "RecordingId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WorkerHeartbeats_LastSeenAt",
                table: "WorkerHeartbeats",
                column: "LastSeenAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WorkerHeartbeats");

            migrationBuilder.DropIndex(
                name: "IX_TranscriptionJobs_RecordingId",
                table: "TranscriptionJobs");

            migrationBuilder.CreateIndex(
                name: "IX_TranscriptionJobs_RecordingId",
                table: "TranscriptionJobs",
                column: "RecordingId");
        }
    }
}
