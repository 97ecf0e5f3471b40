using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storytelling.Tests.Infrastructure;

internal static class TestJson
{
    /// <summary>As the API writes: web defaults with enums by name.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
