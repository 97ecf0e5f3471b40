namespace Storytelling.Core.Projects;

/// <summary>
/// A question (the project's hoofdvraag or an evaluation round's) in one more language a teller may choose; the Dutch
/// text stays the question itself. Stored as JSON inside the row it translates.
/// </summary>
public sealed class QuestionTranslation
{
    /// <summary>ISO 639-1 code of a language the capture page offers (en, ar).</summary>
    public required string Language { get; set; }
    public required string Text { get; set; }
}

public static class QuestionTranslations
{
    /// <summary>The question in <paramref name="language"/>, or the Dutch one when nobody translated it.</summary>
    public static string For(string dutch, IEnumerable<QuestionTranslation>? translations, string language) =>
        (translations ?? []).FirstOrDefault(t => t.Language == language && !string.IsNullOrWhiteSpace(t.Text))?.Text ?? dutch;
}
