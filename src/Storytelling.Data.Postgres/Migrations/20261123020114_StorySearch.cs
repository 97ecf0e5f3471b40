using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class StorySearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Dutch full-text search over transcript segments: an expression index the query repeats word for word.
            migrationBuilder.Sql("""
                CREATE INDEX "IX_TranscriptSegments_Text_dutch" ON "TranscriptSegments" USING GIN (to_tsvector('dutch', "Text"));
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_TranscriptSegments_Text_dutch";""");
        }
    }
}
