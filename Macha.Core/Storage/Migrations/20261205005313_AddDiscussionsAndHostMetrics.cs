using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Macha.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AddDiscussionsAndHostMetrics : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DiscussionMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Subject = table.Column<string>(type: "TEXT", nullable: false),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Role = table.Column<string>(type: "TEXT", nullable: false),
                    Author = table.Column<string>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    ToolCallsJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DiscussionMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "HostMetrics",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    HostName = table.Column<string>(type: "TEXT", nullable: false),
                    TakenAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CpuPercent = table.Column<double>(type: "REAL", nullable: true),
                    MemoryPercent = table.Column<double>(type: "REAL", nullable: true),
                    SwapPercent = table.Column<double>(type: "REAL", nullable: true),
                    Load1 = table.Column<double>(type: "REAL", nullable: true),
                    Load5 = table.Column<double>(type: "REAL", nullable: true),
                    Load15 = table.Column<double>(type: "REAL", nullable: true),
                    DiskMaxPercent = table.Column<double>(type: "REAL", nullable: true),
                    DiskMaxMountPoint = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HostMetrics", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DiscussionMessages_Subject_SubjectId_Id",
                table: "DiscussionMessages",
                columns: new[] { "Subject", "SubjectId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_HostMetrics_HostName_TakenAt",
                table: "HostMetrics",
                columns: new[] { "HostName", "TakenAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DiscussionMessages");

            migrationBuilder.DropTable(
                name: "HostMetrics");
        }
    }
}
