using Storytelling.Web.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddStorytellingWeb();

var app = builder.Build();
app.UseStorytellingWeb();

return await CommandLine.RunAsync(app, args);

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
