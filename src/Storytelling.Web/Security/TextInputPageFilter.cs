using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Security;

/// <summary>
/// Every page, before its handler runs: a POST (or other write) to a page that has no handler for it is 405, not a page
/// rendered from a model that was never loaded; and a form field, query value or file name with a character
/// <see cref="TextInput"/> refuses gives a 400 page that names the field, before any handler sees the text.
/// </summary>
public sealed class TextInputPageFilter : IAsyncPageFilter
{
    public const string RefusedView = "/Pages/Shared/_InputRefused.cshtml";
    private const string AntiforgeryField = "__RequestVerificationToken";

    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var request = context.HttpContext.Request;
        if (context.HandlerMethod is null && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            context.HttpContext.Response.Headers.Allow = "GET, HEAD";
            context.Result = new StatusCodeResult(StatusCodes.Status405MethodNotAllowed);
            return;
        }
        var ownChecks = context.HandlerInstance.GetType().GetCustomAttributes(typeof(TextCheckedByPageAttribute), inherit: true)
            .Cast<TextCheckedByPageAttribute>().SelectMany(a => a.Fields).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (await FirstRefusedAsync(request, ownChecks) is { } refused)
        {
            context.Result = Refused(context, refused.Field, refused.Fault);
            return;
        }
        await next();
    }

    private static async Task<(string Field, TextFault Fault)?> FirstRefusedAsync(HttpRequest request, HashSet<string> ownChecks)
    {
        foreach (var (key, values) in request.Query)
        {
            foreach (var value in values)
            {
                if (TextInput.Check(value, TextInput.IsSingleLine(key)) is var fault and not TextFault.None) return (key, fault);
            }
        }
        if (!request.HasFormContentType) return null;
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        foreach (var (key, values) in form)
        {
            if (key == AntiforgeryField || ownChecks.Contains(key)) continue;
            foreach (var value in values)
            {
                if (TextInput.Check(value, TextInput.IsSingleLine(key)) is var fault and not TextFault.None) return (key, fault);
            }
        }
        foreach (var file in form.Files)
        {
            if (TextInput.Check(file.FileName, singleLine: true) is var fault and not TextFault.None) return (file.Name, fault);
        }
        return null;
    }

    private static ViewResult Refused(PageHandlerExecutingContext context, string field, TextFault fault)
    {
        var metadata = context.HttpContext.RequestServices.GetRequiredService<IModelMetadataProvider>();
        context.ModelState.AddModelError(field, TextInput.Message(fault));
        return new ViewResult
        {
            ViewName = RefusedView,
            StatusCode = StatusCodes.Status400BadRequest,
            ViewData = new ViewDataDictionary(metadata, context.ModelState)
            {
                ["Field"] = field,
                ["Reason"] = SharedText.Get(fault == TextFault.LineBreak ? "InputRefused_LineBreak" : "InputRefused_Control"),
            },
        };
    }
}

/// <summary>
/// On a page model: these form fields are checked by the page's own handler, which answers a control character with
/// its own sentence in its own place (the teller's correction form); <see cref="TextInputPageFilter"/> leaves them to it.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class TextCheckedByPageAttribute(params string[] fields) : Attribute
{
    public IReadOnlyList<string> Fields { get; } = fields;
}
