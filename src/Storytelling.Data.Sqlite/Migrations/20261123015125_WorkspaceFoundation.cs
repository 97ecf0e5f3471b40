using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class WorkspaceFoundation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "ParticipantId",
                table: "Codings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "WorkshopSessionId",
                table: "Codings",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Pseudonyms",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    StoryId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Original = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Replacement = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    SilenceAudio = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedByPersonId = table.Column<Guid>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Pseudonyms", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Pseudonyms_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_Pseudonyms_Stories_StoryId",
                        column: x => x.StoryId,
                        principalTable: "Stories",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ThemeEvents",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ThemeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    OtherThemeId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Before = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    After = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    ByPersonId = table.Column<Guid>(type: "TEXT", nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ThemeEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ThemeEvents_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopSessions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ProjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    OpenedByPersonId = table.Column<Guid>(type: "TEXT", nullable: false),
                    OpenedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    VotesPerParticipant = table.Column<int>(type: "INTEGER", nullable: false),
                    SpotlightCodingId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopSessions", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopSessions_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ThemeVotes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ParticipantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ThemeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ThemeVotes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ThemeVotes_Themes_ThemeId",
                        column: x => x.ThemeId,
                        principalTable: "Themes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_ThemeVotes_WorkshopSessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "WorkshopSessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "WorkshopParticipants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    PersonId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Role = table.Column<string>(type: "TEXT", maxLength: 24, nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    JoinedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WorkshopParticipants", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WorkshopParticipants_WorkshopSessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "WorkshopSessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Pseudonyms_ProjectId_StoryId",
                table: "Pseudonyms",
                columns: new[] { "ProjectId", "StoryId" });

            migrationBuilder.CreateIndex(
                name: "IX_Pseudonyms_StoryId",
                table: "Pseudonyms",
                column: "StoryId");

            migrationBuilder.CreateIndex(
                name: "IX_ThemeEvents_ProjectId_At",
                table: "ThemeEvents",
                columns: new[] { "ProjectId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ThemeEvents_ThemeId",
                table: "ThemeEvents",
                column: "ThemeId");

            migrationBuilder.CreateIndex(
                name: "IX_ThemeVotes_SessionId_ParticipantId",
                table: "ThemeVotes",
                columns: new[] { "SessionId", "ParticipantId" });

            migrationBuilder.CreateIndex(
                name: "IX_ThemeVotes_SessionId_ThemeId",
                table: "ThemeVotes",
                columns: new[] { "SessionId", "ThemeId" });

            migrationBuilder.CreateIndex(
                name: "IX_ThemeVotes_ThemeId",
                table: "ThemeVotes",
                column: "ThemeId");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_SessionId",
                table: "WorkshopParticipants",
                column: "SessionId");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopParticipants_TokenHash",
                table: "WorkshopParticipants",
                column: "TokenHash");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopSessions_Code",
                table: "WorkshopSessions",
                column: "Code");

            migrationBuilder.CreateIndex(
                name: "IX_WorkshopSessions_ProjectId",
                table: "WorkshopSessions",
                column: "ProjectId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Pseudonyms");

            migrationBuilder.DropTable(
                name: "ThemeEvents");

            migrationBuilder.DropTable(
                name: "ThemeVotes");

            migrationBuilder.DropTable(
                name: "WorkshopParticipants");

            migrationBuilder.DropTable(
                name: "WorkshopSessions");

            migrationBuilder.DropColumn(
                name: "ParticipantId",
                table: "Codings");

            migrationBuilder.DropColumn(
                name: "WorkshopSessionId",
                table: "Codings");
        }
    }
}
