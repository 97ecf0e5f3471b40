using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class QuestionTranslations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "QuestionTranslations",
                table: "Projects",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "QuestionTranslations",
                table: "EvaluationRounds",
                type: "jsonb",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "QuestionTranslations",
                table: "Projects");

            migrationBuilder.DropColumn(
                name: "QuestionTranslations",
                table: "EvaluationRounds");
        }
    }
}
