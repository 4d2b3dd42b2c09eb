using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Macha.Core.Storage;

/// <summary>Lets `dotnet ef migrations add` build the context without starting the web host.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<MachaDbContext>
{
    public MachaDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MachaDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
