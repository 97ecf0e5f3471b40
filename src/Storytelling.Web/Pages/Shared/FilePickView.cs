namespace Storytelling.Web.Pages.Shared;

/// <summary>A file field (<c>_FilePick.cshtml</c>): its id and form name, what it accepts and its label in the page's language.</summary>
public sealed record FilePickView(string Id, string Name, string Accept, string Label, bool Required = true);
