using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Storytelling.Core.Audit;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;

namespace Storytelling.Web.Hosting;

/// <summary>
/// The web app's executable doubles as the administrator's command line:
///   Storytelling.Web                      serve
///   Storytelling.Web migrate              apply database migrations and exit
///   Storytelling.Web create-admin --email E [--name N]
///                                         create (or promote) an administrator; the password is read from
///                                         STORYTELLING_ADMIN_PASSWORD or, when that is unset, from standard input.
///   Storytelling.Web load-demo [--samples FILE] [--base-url URL]
///                                         load the demo project (samples/werk/demo.json) once; its accounts get the
///                                         password in STORYTELLING_DEMO_PASSWORD. Needs espeak-ng and ffmpeg.
/// Configuration errors end every command with one sentence and exit code 2.
/// </summary>
internal static class CommandLine
{
    public const int ConfigurationError = 2;
    public const int UsageError = 64;

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        try
        {
            // Validate before the host starts, so a wrong setting never reaches a provider and its stack trace.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync("Storytelling cannot start: " + string.Join(" ", e.Failures));
            return ConfigurationError;
        }

        // The command is the first argument; everything after it, and any "--key value" pair instead of it, is configuration.
        var command = args.Length > 0 && !args[0].StartsWith('-') && !args[0].Contains('=', StringComparison.Ordinal) ? args[0] : null;
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
        switch (command)
        {
            case null:
                await app.RunAsync();
                return 0;
            case "migrate":
                await app.Services.MigrateDatabaseAsync(stop.Token);
                Console.WriteLine("Database is up to date.");
                return 0;
            case "create-admin":
                return await CreateAdminAsync(app.Services, args, stop.Token);
            case "load-demo":
                return await LoadDemoAsync(app.Services, args, stop.Token);
            default:
                await Console.Error.WriteLineAsync($"Unknown command '{command}'. Commands: migrate, create-admin --email E [--name N], load-demo [--samples FILE] [--base-url URL].");
                return UsageError;
        }
    }

    private static async Task<int> CreateAdminAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var email = OptionValue(args, "--email");
        var name = OptionValue(args, "--name") ?? "Beheerder";
        if (string.IsNullOrWhiteSpace(email))
        {
            await Console.Error.WriteLineAsync("Give the administrator's e-mail address: create-admin --email someone@example.org");
            return UsageError;
        }
        var password = Environment.GetEnvironmentVariable("STORYTELLING_ADMIN_PASSWORD");
        if (string.IsNullOrEmpty(password))
        {
            Console.Write("Password (at least 10 characters): ");
            password = Console.ReadLine();
        }
        if (string.IsNullOrEmpty(password))
        {
            await Console.Error.WriteLineAsync("No password given; set STORYTELLING_ADMIN_PASSWORD or type one.");
            return UsageError;
        }

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Person>>();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();

        var person = await users.FindByEmailAsync(email);
        IdentityResult result;
        if (person is null)
        {
            person = new Person { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, IsAdministrator = true, CreatedAt = time.GetUtcNow() };
            result = await users.CreateAsync(person, password);
        }
        else
        {
            person.IsAdministrator = true;
            result = await users.UpdateAsync(person);
            if (result.Succeeded)
            {
                var token = await users.GeneratePasswordResetTokenAsync(person);
                result = await users.ResetPasswordAsync(person, token, password);
            }
        }
        if (!result.Succeeded)
        {
            await Console.Error.WriteLineAsync("Could not create the administrator: " + string.Join(" ", result.Errors.Select(e => e.Description)));
            return UsageError;
        }
        db.Record(time, "person.made-administrator", null, null, "person", person.Id);
        await db.SaveChangesAsync(ct);
        Console.WriteLine($"Administrator {email} is ready; sign in at /account/login.");
        return 0;
    }

    private static async Task<int> LoadDemoAsync(IServiceProvider services, string[] args, CancellationToken ct)
    {
        var file = OptionValue(args, "--samples") ?? Path.Combine(AppContext.BaseDirectory, "samples", "werk", "demo.json");
        var password = Environment.GetEnvironmentVariable("STORYTELLING_DEMO_PASSWORD");
        if (string.IsNullOrEmpty(password))
        {
            await Console.Error.WriteLineAsync("Set STORYTELLING_DEMO_PASSWORD to the password the demo accounts should get.");
            return UsageError;
        }
        if (!File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"No demo file at {file}; give one with --samples.");
            return UsageError;
        }
        await using var scope = services.CreateAsyncScope();
        var loader = ActivatorUtilities.CreateInstance<Features.Demo.DemoLoader>(scope.ServiceProvider);
        var result = await loader.LoadAsync(file, password, OptionValue(args, "--base-url") ?? Features.Demo.DemoLoader.DefaultBaseUrl, ct);
        Console.WriteLine(result.Loaded
            ? $"Demo project '{result.ProjectName}' loaded."
            : $"Demo project '{result.ProjectName}' is already there; nothing changed.");
        return 0;
    }

    private static string? OptionValue(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
