using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.SignalR;

namespace Storytelling.Web.Security;

/// <summary>What is wrong with a piece of text that came in; <see cref="None"/> when it may be stored.</summary>
public enum TextFault
{
    None,
    /// <summary>A C0/C1 control character (other than tab and line breaks), a lone surrogate or U+FFFE/U+FFFF:
    /// nothing a person types, and nothing XML (our exports) can carry.</summary>
    ControlCharacter,
    /// <summary>A tab or line break in a field that is one line (a name, a pseudonym, a title).</summary>
    LineBreak,
}

/// <summary>
/// The one rule for characters that text may bring in, applied at every door instead of per field: the JSON of the
/// minimal APIs and the hub (a converter on every string), query strings of the API (middleware), forms, query strings
/// and file names of the pages (<see cref="TextInputPageFilter"/>), and hand-read multipart forms (through
/// <see cref="Check"/>). Single-line fields are known by name: see <see cref="IsSingleLine"/>.
/// </summary>
public static class TextInput
{
    private static readonly GuardedStringConverter SingleLineConverter = new(singleLine: true);
    private static readonly GuardedStringConverter MultiLineConverter = new(singleLine: false);

    private static readonly HashSet<string> SingleLineFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "pseudonym", "title", "email", "colour", "color", "language", "q", "code", "status", "round", "kind", "role",
    };

    public static TextFault Check(string? value, bool singleLine)
    {
        if (value is null) return TextFault.None;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
            if (c is '\t' or '\n' or '\r')
            {
                if (singleLine) return TextFault.LineBreak;
                continue;
            }
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF') return TextFault.ControlCharacter;
        }
        return TextFault.None;
    }

    /// <summary>
    /// For text that arrives inside a file another tool wrote (a REFI-QDA import), where refusing the whole file for one
    /// stray character would help no one: each character <see cref="Check"/> refuses becomes U+FFFD, and in a single-line
    /// field a tab or line break becomes a space. The length stays the same, so offsets into the text still hold.
    /// </summary>
    public static string Clean(string text, bool singleLine)
    {
        if (Check(text, singleLine) == TextFault.None) return text;
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) { i++; continue; }
            if (c is '\t' or '\n' or '\r') { if (singleLine) chars[i] = ' '; }
            else if (char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF') chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    /// <summary>
    /// Whether a field holds one line, by its name (the last part of "Input.Name" or "items[0].name"): names and
    /// pseudonyms (anything ending in "name" or "pseudonym") and short codes such as language, colour, title, email.
    /// Every other text (descriptions, Markdown, transcript text, memos) may hold tabs and line breaks.
    /// </summary>
    public static bool IsSingleLine(string field)
    {
        var last = field.AsSpan();
        var bracket = last.IndexOf('[');
        if (bracket >= 0) last = last[..bracket];
        var dot = last.LastIndexOf('.');
        if (dot >= 0) last = last[(dot + 1)..];
        var name = last.ToString();
        return name.EndsWith("name", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("pseudonym", StringComparison.OrdinalIgnoreCase)
            || SingleLineFields.Contains(name);
    }

    /// <summary>The sentence an API answer gives for a refused field (the pages use SharedText's translations).</summary>
    public static string Message(TextFault fault) => fault switch
    {
        TextFault.LineBreak => "This field is a single line: remove the line breaks and tabs.",
        _ => "This text holds a control character (such as U+0000) that no one types; remove it and send the text again.",
    };

    /// <summary>Registers the JSON guard (API and hub), the API's query-string check and the pages' filter.</summary>
    public static IServiceCollection AddTextInputGuard(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => Guard(o.SerializerOptions));
        services.Configure<JsonHubProtocolOptions>(o => Guard(o.PayloadSerializerOptions));
        // A body the converter refuses must reach UseTextInputGuard as an exception to be answered with the field's name.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<MvcOptions>(o => o.Filters.Add(new TextInputPageFilter()));
        return services;
    }

    /// <summary>
    /// Runs inside routing, around the endpoints: refuses an API query string with a control character, and turns a
    /// request body the minimal APIs could not bind into its status code, or, when a string in it was refused, into a
    /// ValidationProblem that names the field.
    /// </summary>
    public static IApplicationBuilder UseTextInputGuard(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api"))
        {
            foreach (var (key, values) in http.Request.Query)
            {
                foreach (var value in values)
                {
                    if (Check(value, IsSingleLine(key)) is var fault and not TextFault.None)
                    {
                        await RefuseAsync(http, key, fault);
                        return;
                    }
                }
            }
        }
        try
        {
            await next(http);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            if (e.InnerException is TextRefusedException refused) await RefuseAsync(http, FieldOf(refused.Path), refused.Fault);
            else http.Response.StatusCode = e.StatusCode;
        }
    });

    private static Task RefuseAsync(HttpContext http, string field, TextFault fault) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [Message(fault)] },
            title: "The request holds text that cannot be stored.").ExecuteAsync(http);

    /// <summary>"$.name" → "name", "$.segments[2].text" → "segments[2].text"; the whole body is "body".</summary>
    private static string FieldOf(string? path) => path switch
    {
        null or "$" or "" => "body",
        _ when path.StartsWith("$.", StringComparison.Ordinal) => path[2..],
        _ => path.TrimStart('$'),
    };

    private static void Guard(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(Modify);
        // Strings that are not an object's property (a list's items, a bare string argument of a hub method).
        options.Converters.Add(MultiLineConverter);
    }

    private static void Modify(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object) return;
        foreach (var property in info.Properties)
        {
            if (property.PropertyType == typeof(string) && property.CustomConverter is null)
                property.CustomConverter = IsSingleLine(property.Name) ? SingleLineConverter : MultiLineConverter;
        }
    }

    private sealed class GuardedStringConverter(bool singleLine) : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Guarded(reader.GetString());

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

        public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Guarded(reader.GetString()) ?? "";

        public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

        private string? Guarded(string? value) =>
            Check(value, singleLine) is var fault and not TextFault.None ? throw new TextRefusedException(fault) : value;
    }
}

/// <summary>A string in a JSON body that <see cref="TextInput"/> refused; System.Text.Json fills in its path.</summary>
public sealed class TextRefusedException(TextFault fault) : JsonException(TextInput.Message(fault))
{
    public TextFault Fault { get; } = fault;
}
