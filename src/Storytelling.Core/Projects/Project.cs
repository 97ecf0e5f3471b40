namespace Storytelling.Core.Projects;

/// <summary>A traject: one guiding question, its stories, its codebook and the people who work on it.</summary>
public sealed class Project
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    /// <summary>The hoofdvraag shown to every teller, e.g. "Wat betekent werk voor jou?".</summary>
    public required string GuidingQuestion { get; set; }
    /// <summary>The hoofdvraag in the other languages tellers may choose; a teller without one reads the Dutch.</summary>
    public List<QuestionTranslation> QuestionTranslations { get; set; } = [];
    /// <summary>ISO 639-1 code used for transcription unless a story says otherwise; "auto" asks Whisper to detect.</summary>
    public string DefaultLanguage { get; set; } = "nl";
    public List<string> AllowedLanguages { get; set; } = ["nl"];
    public ProjectPhase Phase { get; set; } = ProjectPhase.Gather;
    /// <summary>Per-project upload limits (defaults: 500 MB, 2 hours).</summary>
    public long MaxRecordingBytes { get; set; } = 500L * 1024 * 1024;
    public int MaxRecordingSeconds { get; set; } = 2 * 60 * 60;
    public bool AllowVideo { get; set; }
    /// <summary>Raw audio older than this many days may be deleted by the retention job; null keeps it.</summary>
    public int? AudioRetentionDays { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>"What happened with the stories": plain text a facilitator publishes for the tellers (paragraphs split
    /// by blank lines, never rendered as HTML); null until something is published.</summary>
    public string? PublishedUpdate { get; set; }
    public DateTimeOffset? PublishedUpdateAt { get; set; }

    public List<ProjectMembership> Memberships { get; set; } = [];
}

/// <summary>The CoSIE narrative-evaluation phases, in order.</summary>
public enum ProjectPhase
{
    Gather = 0,      // ophalen
    Analyse = 1,     // analyseren
    Experiment = 2,  // experimenteren
    CoEvaluate = 3,  // co-evalueren
}
