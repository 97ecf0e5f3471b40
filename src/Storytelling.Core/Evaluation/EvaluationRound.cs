namespace Storytelling.Core.Evaluation;

/// <summary>
/// A co-evaluation round: the same people are asked a new question (e.g. "Wat is er voor jou veranderd?") through
/// the round's own capture link. Stories told through it carry <see cref="Stories.Story.EvaluationRoundId"/>;
/// stories without one belong to the first gathering.
/// </summary>
public sealed class EvaluationRound
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    /// <summary>1, 2, … per project, in the order rounds were opened.</summary>
    public int Number { get; set; }
    public required string Question { get; set; }
    /// <summary>The round's question in the other languages tellers may choose.</summary>
    public List<Projects.QuestionTranslation> QuestionTranslations { get; set; } = [];
    public DateTimeOffset OpensAt { get; set; }
    /// <summary>When the round closes on its own; null keeps it open until a facilitator closes it.</summary>
    public DateTimeOffset? ClosesAt { get; set; }
    public EvaluationRoundStatus Status { get; set; } = EvaluationRoundStatus.Open;
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>The round's capture link (an <see cref="Projects.Invitation"/> of kind Capture, stored hashed).</summary>
    public Guid? InvitationId { get; set; }
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    public bool IsOpen(DateTimeOffset now) =>
        Status == EvaluationRoundStatus.Open && now >= OpensAt && (ClosesAt is null || now < ClosesAt);
}

public enum EvaluationRoundStatus
{
    Open,
    Closed,
}
