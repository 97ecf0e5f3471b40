using Storytelling.Core.Projects;
using Storytelling.Core.Transcripts;

namespace Storytelling.Core.Stories;

/// <summary>An ervaringsverhaal. The teller is known only by a pseudonym; the receipt code is their key to it.</summary>
public sealed class Story
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    /// <summary>Fictive name shown everywhere instead of the teller's real name.</summary>
    public required string TellerPseudonym { get; set; }
    /// <summary>Short readable code (e.g. "K7QM-4TXP") handed to the teller; unique across the installation.</summary>
    /// <summary>SHA-256 of the teller's receipt code (<see cref="Stories.ReceiptCode.Hash"/>); the code itself is never stored.</summary>
    public required string ReceiptCodeHash { get; set; }
    public StoryStatus Status { get; set; } = StoryStatus.Received;
    /// <summary>Language the teller chose, or null to use the project's default.</summary>
    public string? Language { get; set; }
    public required Consent Consent { get; set; }
    /// <summary>The interviewer or facilitator who recorded it on the teller's behalf, if any.</summary>
    public Guid? RecordedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The co-evaluation round it was told in; null for the first gathering.</summary>
    public Guid? EvaluationRoundId { get; set; }

    public List<Recording> Recordings { get; set; } = [];
    public List<Transcript> Transcripts { get; set; } = [];
}

public enum StoryStatus
{
    Received,
    Transcribing,
    Transcribed,
    NoSpeech,
    Failed,
}

/// <summary>What the teller agreed to, when, and how. Stored with the story (owned type).</summary>
public sealed class Consent
{
    public ConsentScopes Scopes { get; set; }
    public DateTimeOffset GivenAt { get; set; }
    public ConsentMethod Method { get; set; }
    /// <summary>For verbal consent: the person who heard it and recorded it.</summary>
    public Guid? RecordedByPersonId { get; set; }
    /// <summary>Version of the consent text the teller saw, so a later wording change does not rewrite history.</summary>
    public string TextVersion { get; set; } = "1";
}

[Flags]
public enum ConsentScopes
{
    None = 0,
    /// <summary>The story may be read and tagged in the analysis.</summary>
    Analysis = 1,
    /// <summary>Quotes may appear in reports and the beleidsnota.</summary>
    QuotesInReports = 2,
    /// <summary>The audio may be played aloud in workshops.</summary>
    AudioInWorkshops = 4,
}

public enum ConsentMethod
{
    /// <summary>The teller ticked the boxes on the capture page.</summary>
    GivenOnline,
    /// <summary>The teller said yes aloud to an interviewer or facilitator, who recorded it.</summary>
    GivenVerbally,
    /// <summary>Given before the story came into this app (an earlier recording, imported with its transcript); the
    /// facilitator who confirmed it is <see cref="Consent.RecordedByPersonId"/>. Stored by name, so no migration.</summary>
    Imported,
}
