using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Macha.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AddLearningQueueAndNotificationState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DependencyStates",
                columns: table => new
                {
                    Key = table.Column<string>(type: "TEXT", nullable: false),
                    IsDown = table.Column<bool>(type: "INTEGER", nullable: false),
                    ChangedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DependencyStates", x => x.Key);
                });

            migrationBuilder.CreateTable(
                name: "NotificationCooldowns",
                columns: table => new
                {
                    DedupKey = table.Column<string>(type: "TEXT", nullable: false),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NotificationCooldowns", x => x.DedupKey);
                });

            migrationBuilder.CreateTable(
                name: "PendingLearnings",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    DocumentId = table.Column<string>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    MetadataJson = table.Column<string>(type: "TEXT", nullable: false),
                    QueuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PendingLearnings", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_NotificationCooldowns_SentAt",
                table: "NotificationCooldowns",
                column: "SentAt");

            migrationBuilder.CreateIndex(
                name: "IX_PendingLearnings_QueuedAt",
                table: "PendingLearnings",
                column: "QueuedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DependencyStates");

            migrationBuilder.DropTable(
                name: "NotificationCooldowns");

            migrationBuilder.DropTable(
                name: "PendingLearnings");
        }
    }
}
