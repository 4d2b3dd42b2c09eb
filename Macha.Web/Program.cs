using Macha.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddMacha();

var app = builder.Build();
app.UseMacha();
await app.RunAsync();
public partial class Program;
