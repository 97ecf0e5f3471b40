using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using StackExchange.Redis;
using Storytelling.Core.Fabric;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Accounts;
using Storytelling.Web.Features.Audit;
using Storytelling.Web.Features.Capture;
using Storytelling.Core.Media;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Exchange;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Reports;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Features.Tellers;
using Storytelling.Web.Features.Translation;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Web.Hosting;

public static class WebSetup
{
    public static WebApplicationBuilder AddStorytellingWeb(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddStorytellingCore();
        services.AddRedisFabric(builder.Configuration);
        services.AddHttpContextAccessor();
        services.AddDataProtection().SetApplicationName("Storytelling").PersistKeysToDbContext<StorytellingDbContext>();
        // Every ProblemDetails the app writes passes the customiser: refusals are counted there, in one place.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = WebTelemetry.CountRefusal);
        services.AddStorytellingWebTelemetry(builder.Configuration);
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        services.AddIdentity<Person, IdentityRole<Guid>>(o =>
            {
                o.User.RequireUniqueEmail = true;
                // NIST SP 800-63B: at least 8 (we ask 10), no composition rules, refuse common passwords (CommonPasswordValidator).
                o.Password.RequiredLength = 10;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireDigit = false;
                o.Lockout.MaxFailedAccessAttempts = 8;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
            })
            .AddEntityFrameworkStores<StorytellingDbContext>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<CommonPasswordValidator>()
            .AddClaimsPrincipalFactory<PersonClaimsFactory>();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/denied";
            o.Cookie.Name = "storytelling";
            o.Cookie.HttpOnly = true;
            // Strict keeps the JSON API safe from cross-site requests without antiforgery tokens.
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.SlidingExpiration = true;
            o.ExpireTimeSpan = TimeSpan.FromHours(12);
            // An API or hub answers 401/403; only pages redirect to the login form.
            o.Events.OnRedirectToLogin = ctx => ApiOrRedirect(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = ctx => ApiOrRedirect(ctx.HttpContext, ctx.RedirectUri, StatusCodes.Status403Forbidden);
        });

        services.AddStorytellingAuthorization();
        services.AddScoped<PasswordSignIn>();
        services.AddScoped<InvitationService>();
        services.AddScoped<Features.Transcripts.CodingService>();
        services.AddScoped<Features.Pseudonyms.PseudonymService>();
        services.AddProjects();
        services.AddStories();
        services.AddCodebook();
        services.AddWorkspace();
        services.AddWorkshops();
        services.AddSingleton<WorkshopRoom>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkshopRoom>());
        services.AddScoped<Features.Transcripts.IAnalysisEvents, WorkshopAnalysisEvents>();
        var signalR = services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        if (RedisFabric.IsConfigured(builder.Configuration))
        {
            // With Redis every web node sees every group: a phone on one node and the projector on another share a session.
            var redis = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
            signalR.AddStackExchangeRedis(o =>
            {
                o.Configuration = RedisFabric.ConnectOptions(redis);
                o.Configuration.ChannelPrefix = RedisChannel.Literal(redis.Prefix + ":signalr");
            });
        }
        services.AddOptions<CaptureOptions>().BindConfiguration(CaptureOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<UploadService>();
        services.AddSingleton<UploadSessionFacts>();
        services.AddExchange();
        services.AddStorytellingReports();
        services.AddStorytellingEvaluation();
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IMediaProbe, FfprobeMediaProbe>();
        services.AddSingleton<CaptureRateLimiter>();
        services.AddSingleton<UploadSessionJanitor>();
        services.AddHostedService(sp => sp.GetRequiredService<UploadSessionJanitor>());
        services.AddScoped<Features.Transcripts.ImportService>();
        services.AddSingleton<Features.Transcripts.AudioRetentionJob>();
        services.AddHostedService(sp => sp.GetRequiredService<Features.Transcripts.AudioRetentionJob>());
        services.AddStorytellingRateLimits();
        services.AddTextInputGuard();
        services.AddStorytellingWebSecurity();
        services.AddUiLanguages();
        services.AddTellerPages();
        services.AddStorytellingHealthChecks();
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToPage("/Account/Login");
            o.Conventions.AllowAnonymousToPage("/Account/Denied");
            o.Conventions.AllowAnonymousToPage("/Invite");
            o.Conventions.AllowAnonymousToPage("/Capture");
            o.Conventions.AllowAnonymousToFolder("/Workshop");
            o.Conventions.AllowAnonymousToFolder("/Teller");
            o.Conventions.AuthorizeFolder("/Admin", Policies.Administrator);
        }).AddViewLocalization();
        return builder;
    }

    public static WebApplication UseStorytellingWeb(this WebApplication app)
    {
        app.UseStorytellingWebSecurity();
        if (!app.Environment.IsDevelopment()) app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStaticFiles();
        app.UseUiLanguages();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseCrossSiteFormGuard();
        app.UseTextInputGuard();

        // Public on purpose, like the health probes: the API's description holds no project data.
        app.MapOpenApi().AllowAnonymous();
        app.MapStorytellingHealth();
        app.MapAccountApi();
        app.MapProjectsApi();
        app.MapInvitationsApi();
        app.MapUploadsApi();
        app.MapStoriesApi();
        app.MapCodebookApi();
        app.MapPseudonymsApi();
        app.MapTranscriptApi();
        app.MapAuditApi();
        app.MapWorkshopsApi();
        app.MapTussenruimteApi();
        app.MapExchangeApi();
        Features.Transcripts.ExportsApi.MapExportsApi(app);
        Features.Transcripts.ImportsApi.MapImportsApi(app);
        app.MapReportsApi();
        app.MapEvaluationApi();
        app.MapTellerApi();
        app.MapHub<WorkshopHub>("/hubs/workshop");
        app.MapProjectHub();
        app.MapRazorPages();
        return app;
    }

    private static Task ApiOrRedirect(HttpContext http, string redirectUri, int status)
    {
        // A hub's negotiate is a script's request too: a redirect to the login form would only confuse its client.
        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs"))
        {
            http.Response.StatusCode = status;
            return Task.CompletedTask;
        }
        http.Response.Redirect(redirectUri);
        return Task.CompletedTask;
    }
}
