using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Storytelling.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class StorySearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Full-text index of transcript segments (FTS5), kept current by triggers so the worker, corrections and
            // withdrawals need no code of their own. Its rowid is the segment's rowid, so deletes are a key lookup;
            // SegmentId is what queries join on.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "TranscriptSegmentSearch" USING fts5(
                    "SegmentId" UNINDEXED, "Text", tokenize = 'porter unicode61 remove_diacritics 2');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TranscriptSegments_search_insert" AFTER INSERT ON "TranscriptSegments" BEGIN
                    INSERT INTO "TranscriptSegmentSearch"(rowid, "SegmentId", "Text") VALUES (new.rowid, new."Id", new."Text");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TranscriptSegments_search_delete" AFTER DELETE ON "TranscriptSegments" BEGIN
                    DELETE FROM "TranscriptSegmentSearch" WHERE rowid = old.rowid;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TranscriptSegments_search_update" AFTER UPDATE OF "Text", "Id" ON "TranscriptSegments" BEGIN
                    DELETE FROM "TranscriptSegmentSearch" WHERE rowid = old.rowid;
                    INSERT INTO "TranscriptSegmentSearch"(rowid, "SegmentId", "Text") VALUES (new.rowid, new."Id", new."Text");
                END;
                """);
            migrationBuilder.Sql("""
                INSERT INTO "TranscriptSegmentSearch"(rowid, "SegmentId", "Text") SELECT rowid, "Id", "Text" FROM "TranscriptSegments";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "TranscriptSegments_search_update";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "TranscriptSegments_search_delete";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "TranscriptSegments_search_insert";""");
            migrationBuilder.Sql("""DROP TABLE IF EXISTS "TranscriptSegmentSearch";""");
        }
    }
}
