using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

public sealed record OpenWorkshopRequest(string? Title, int? VotesPerParticipant);
public sealed record WorkshopDto(Guid Id, Guid ProjectId, string Title, string Code, string JoinUrl, int VotesPerParticipant,
    DateTimeOffset OpenedAt, DateTimeOffset? ClosedAt);
public sealed record JoinRequest(string? DisplayName);
public sealed record JoinedDto(Guid SessionId, Guid ParticipantId, string DisplayName, string Role);

public sealed record WorkshopThemeDto(Guid Id, string Name, string Colour, ThemeKind Kind);
public sealed record WorkshopStoryDto(Guid Id, string Teller, int Fragments);
/// <param name="StartChar">Where the segment starts and ends in the transcript's text (as codings count), so a phone
/// places a coding the room announces without asking for the story again; the room's codings carry the same offsets.</param>
public sealed record FragmentDto(int Position, long StartMs, string Text, IReadOnlyList<Guid> ThemeIds, int StartChar, int EndChar);
public sealed record VoteTallyDto(Guid ThemeId, int Votes);

/// <summary>What a phone needs on arrival. Everything here is pseudonymised and limited to stories with analysis consent.</summary>
public sealed record WorkshopStateDto(Guid SessionId, Guid ProjectId, string Title, string Me, string Role, int VotesPerParticipant,
    IReadOnlyList<WorkshopThemeDto> Themes, IReadOnlyList<WorkshopStoryDto> Stories, IReadOnlyList<VoteTallyDto> Votes,
    IReadOnlyList<Guid> MyVotes, SpotlightDto? Spotlight);

public sealed record SpotlightDto(Guid CodingId, Guid StoryId, string Teller, string Text, string ThemeName, string Colour,
    long StartMs, long EndMs, string? AudioUrl);

public sealed record BoardQuoteDto(Guid CodingId, Guid StoryId, string Teller, string Text, int Times);
public sealed record BoardThemeDto(Guid Id, string Name, string Colour, ThemeKind Kind, int Codings, int Stories, int Tellers,
    int Votes, IReadOnlyList<BoardQuoteDto> Quotes);
public sealed record BoardDto(Guid SessionId, string Title, string Code, bool Open, int Participants,
    IReadOnlyList<BoardThemeDto> Themes, SpotlightDto? Spotlight);

/// <summary>
/// What a workshop room receives. Guests have no account, so the room learns no staff member's name: a coding by
/// staff, or one made outside a workshop (its author signed in, their account name is not for the room), shows the
/// role label exports use (<see cref="RoleClasses.Label"/>); a resident's coding made in a workshop shows the name they
/// typed for the room.
/// </summary>
public static class WorkshopPush
{
    /// <summary>A list of codings: one, or those that came within one pacing window (<see cref="CodingPacer"/>).</summary>
    public const string CodingsAdded = "codingsAdded";
    public const string CodingRemoved = "codingRemoved";
    public const string CodebookChanged = "codebookChanged";
    public const string VotesChanged = "votesChanged";
    public const string Spotlight = "spotlight";
    public const string Closed = "closed";

    public static string Group(Guid sessionId) => "workshop:" + sessionId.ToString("N");

    public static CodingDto ForRoom(CodingDto c) => c with { Memo = null, AuthorName = RoomName(c) };

    public static string? RoomName(CodingDto c) => !Enum.TryParse<ProjectRole>(c.AuthorRole, out var role)
        ? RoleClasses.UnknownLabel
        : RoleClasses.IsResident(role) && c.WorkshopSessionId is not null ? c.AuthorName : RoleClasses.Label(role);
}
