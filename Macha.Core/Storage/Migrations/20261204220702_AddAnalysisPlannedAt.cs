using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Macha.Core.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AddAnalysisPlannedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "PlannedAt",
                table: "Analyses",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PlannedAt",
                table: "Analyses");
        }
    }
}
