using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

using Storytelling.Web.Features.Pseudonyms;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Sessions, participants, tagging from a phone, dot-votes, the spotlight and the theme board. Everything it hands to
/// the room is pseudonymised and limited to stories whose teller agreed to analysis, because guests have no account.
/// </summary>
public sealed class WorkshopService(StorytellingDbContext db, TimeProvider time, CodingService codings, PseudonymService pseudonyms,
    SilencedAudioService silencing, CurrentMember members,
    IEnumerable<IAnalysisEvents> listeners)
{
    public const string GuestCookie = "st-workshop";
    public const int MaxDisplayName = 40;
    public const int MaxTitle = 120;
    public const int MaxThemeName = 80;
    private static readonly string[] Palette = ["#C0392B", "#1F618D", "#117A65", "#B9770E", "#6C3483", "#2E4053", "#A04000", "#196F3D"];

    // ---- sessions -------------------------------------------------------------------------------------------------

    public async Task<(WorkshopDto? Session, Dictionary<string, string[]>? Errors)> OpenAsync(
        Guid projectId, OpenWorkshopRequest request, Guid personId, string baseUrl, CancellationToken ct)
    {
        var title = string.IsNullOrWhiteSpace(request.Title) ? "Werksessie" : request.Title.Trim();
        var votes = request.VotesPerParticipant ?? 3;
        var errors = new Dictionary<string, string[]>();
        if (title.Length > MaxTitle) errors["title"] = [$"A title can be at most {MaxTitle} characters."];
        if (votes is < 0 or > 20) errors["votesPerParticipant"] = ["Votes per participant must be between 0 and 20."];
        if (errors.Count > 0) return (null, errors);

        // Unique among open sessions; 26^6 codes make a clash rare, so a few tries suffice.
        string code;
        var tries = 0;
        do code = WorkshopCodes.New();
        while (await db.WorkshopSessions.AnyAsync(s => s.Code == code && s.ClosedAt == null, ct) && ++tries < 20);

        var session = new WorkshopSession
        {
            ProjectId = projectId, Title = title, Code = code, OpenedByPersonId = personId,
            OpenedAt = time.GetUtcNow(), VotesPerParticipant = votes,
        };
        db.WorkshopSessions.Add(session);
        db.Record(time, "workshop.opened", personId, projectId, "workshop", session.Id);
        await db.SaveChangesAsync(ct);
        return (ToDto(session, baseUrl), null);
    }

    public async Task<bool> CloseAsync(Guid projectId, Guid sessionId, Guid personId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = await db.WorkshopSessions.Where(s => s.Id == sessionId && s.ProjectId == projectId && s.ClosedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.ClosedAt, now), ct);
        if (rows == 0) return false;
        db.Record(time, "workshop.closed", personId, projectId, "workshop", sessionId);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public Task<List<WorkshopSession>> ListAsync(Guid projectId, CancellationToken ct) =>
        db.WorkshopSessions.AsNoTracking().Where(s => s.ProjectId == projectId).OrderByDescending(s => s.OpenedAt).Take(50).ToListAsync(ct);

    public Task<WorkshopSession?> FindAsync(Guid projectId, Guid sessionId, CancellationToken ct) =>
        db.WorkshopSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == sessionId && s.ProjectId == projectId, ct);

    public async Task<WorkshopSession?> FindOpenByCodeAsync(string? code, CancellationToken ct)
    {
        var normal = WorkshopCodes.Normalize(code);
        if (normal is null) return null;
        return await db.WorkshopSessions.AsNoTracking().FirstOrDefaultAsync(s => s.Code == normal && s.ClosedAt == null, ct);
    }

    public static WorkshopDto ToDto(WorkshopSession s, string baseUrl) =>
        new(s.Id, s.ProjectId, s.Title, s.Code, JoinUrl(baseUrl, s.Code), s.VotesPerParticipant, s.OpenedAt, s.ClosedAt);

    public static string JoinUrl(string baseUrl, string code) => $"{baseUrl.TrimEnd('/')}/w/{code}";

    // ---- participants ---------------------------------------------------------------------------------------------

    public sealed record JoinOutcome(JoinedDto? Joined, string? Token, string? Error, int Status);

    /// <summary>
    /// A signed-in member joins with their role in the project (once; joining again returns the same participant);
    /// anyone else becomes a guest resident with a fresh bearer token, of which only the SHA-256 is kept.
    /// </summary>
    public async Task<JoinOutcome> JoinAsync(WorkshopSession session, string? displayName, ClaimsPrincipal user, CancellationToken ct)
    {
        var name = displayName?.Trim() ?? "";
        if (name.Length is 0 or > MaxDisplayName || name.Any(char.IsControl))
            return new(null, null, $"Kies een naam van 1 tot {MaxDisplayName} tekens.", StatusCodes.Status400BadRequest);

        var now = time.GetUtcNow();
        if (user.PersonId() is { } personId)
        {
            var roles = await members.RolesOfAsync(personId, session.ProjectId, ct);
            // The role that reads stories wins; a project beheerder reads none (least privilege), so joins as nobody.
            ProjectRole[] preference = [ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker, ProjectRole.Bewoner, ProjectRole.Interviewer];
            var role = preference.Cast<ProjectRole?>().FirstOrDefault(r => roles.Contains(r!.Value));
            if (role is not null)
            {
                var existing = await db.WorkshopParticipants.FirstOrDefaultAsync(p => p.SessionId == session.Id && p.PersonId == personId, ct);
                if (existing is null)
                {
                    existing = new WorkshopParticipant { SessionId = session.Id, PersonId = personId, DisplayName = name, Role = role.Value, JoinedAt = now };
                    db.WorkshopParticipants.Add(existing);
                }
                else existing.DisplayName = name;
                await db.SaveChangesAsync(ct);
                return new(new JoinedDto(session.Id, existing.Id, existing.DisplayName, existing.Role.ToString()), null, null, StatusCodes.Status200OK);
            }
            if (roles.Count > 0)
                return new(null, null, "Met je rol in dit traject lees je geen verhalen, dus doe je niet mee aan de werksessie.", StatusCodes.Status403Forbidden);
        }

        var token = InvitationTokens.New();
        var guest = new WorkshopParticipant
        {
            SessionId = session.Id, DisplayName = name, Role = ProjectRole.Bewoner, TokenHash = InvitationTokens.Hash(token), JoinedAt = now,
        };
        db.WorkshopParticipants.Add(guest);
        await db.SaveChangesAsync(ct);
        return new(new JoinedDto(session.Id, guest.Id, guest.DisplayName, guest.Role.ToString()), token, null, StatusCodes.Status200OK);
    }

    /// <summary>The caller's participant in this session: by sign-in for members, by the guest cookie otherwise.</summary>
    public async Task<WorkshopParticipant?> ParticipantAsync(Guid sessionId, ClaimsPrincipal user, string? guestToken, CancellationToken ct)
    {
        if (user.PersonId() is { } personId)
        {
            var member = await db.WorkshopParticipants.AsNoTracking().FirstOrDefaultAsync(p => p.SessionId == sessionId && p.PersonId == personId, ct);
            if (member is not null) return member;
        }
        if (!InvitationTokens.LooksValid(guestToken)) return null;
        var hash = InvitationTokens.Hash(guestToken!);
        return await db.WorkshopParticipants.AsNoTracking().FirstOrDefaultAsync(p => p.SessionId == sessionId && p.TokenHash == hash, ct);
    }

    // ---- what the room reads --------------------------------------------------------------------------------------

    public async Task<WorkshopStateDto> StateAsync(WorkshopSession session, WorkshopParticipant me, CancellationToken ct) =>
        new(session.Id, session.ProjectId, session.Title, me.DisplayName, me.Role.ToString(), session.VotesPerParticipant,
            await ThemesAsync(session.ProjectId, ct), await StoriesAsync(session.ProjectId, ct), await VotesAsync(session.Id, ct),
            await db.ThemeVotes.Where(v => v.SessionId == session.Id && v.ParticipantId == me.Id).Select(v => v.ThemeId).ToListAsync(ct),
            await SpotlightAsync(session, ct));

    public Task<List<WorkshopThemeDto>> ThemesAsync(Guid projectId, CancellationToken ct) => ThemesAsync(db, projectId, ct);

    public static async Task<List<WorkshopThemeDto>> ThemesAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId && t.MergedIntoId == null)
            .Select(t => new WorkshopThemeDto(t.Id, t.Name, t.Colour, t.Kind)).ToListAsync(ct);
        return themes.OrderBy(t => t.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
    }

    private IQueryable<Story> Analysable(Guid projectId) =>
        db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId).Analysable();

    public async Task<List<WorkshopStoryDto>> StoriesAsync(Guid projectId, CancellationToken ct)
    {
        var stories = await Analysable(projectId)
            .Select(s => new
            {
                s.Id, s.TellerPseudonym, s.CreatedAt,
                Segments = s.Transcripts.OrderByDescending(t => t.Version).Select(t => t.Segments.Count).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return stories.Where(s => s.Segments > 0).OrderBy(s => s.CreatedAt)
            .Select(s => new WorkshopStoryDto(s.Id, s.TellerPseudonym, s.Segments)).ToList();
    }

    /// <summary>A story's latest transcript, one fragment per segment, pseudonymised, with the themes already applied to each.</summary>
    public async Task<List<FragmentDto>?> FragmentsAsync(Guid projectId, Guid storyId, CancellationToken ct)
    {
        if (!await Analysable(projectId).AnyAsync(s => s.Id == storyId, ct)) return null;
        var transcript = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (transcript is null) return [];
        var text = TranscriptText.From(transcript.Segments);
        var coded = await db.Codings.AsNoTracking().Where(c => c.TranscriptId == transcript.Id)
            .Select(c => new { c.StartChar, c.ThemeId }).ToListAsync(ct);
        var filter = await pseudonyms.ForReaderAsync(projectId, storyId, seesOriginals: false, ct);
        var fragments = new List<FragmentDto>(text.Segments.Count);
        for (var i = 0; i < text.Segments.Count; i++)
        {
            var start = text.Starts[i];
            var end = start + text.Segments[i].Text.Length;
            var themes = coded.Where(c => c.StartChar >= start && c.StartChar <= end).Select(c => c.ThemeId).Distinct().ToList();
            fragments.Add(new FragmentDto(i, text.Segments[i].StartMs, filter.Apply(text.Segments[i].Text), themes, start, end));
        }
        return fragments;
    }

    // ---- what the room does ---------------------------------------------------------------------------------------

    /// <summary>Tags one fragment (a whole segment, so a phone needs no text selection) through <see cref="CodingService"/>.</summary>
    public async Task<CodingResult> ApplyThemeAsync(WorkshopSession session, WorkshopParticipant me, Guid storyId, int position, Guid themeId, CancellationToken ct)
    {
        var transcript = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId && t.Story!.ProjectId == session.ProjectId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (transcript is null) return new CodingResult(null, new() { ["storyId"] = ["Dit verhaal is er niet, of heeft nog geen tekst."] });
        var text = TranscriptText.From(transcript.Segments);
        if (position < 0 || position >= text.Segments.Count) return new CodingResult(null, new() { ["position"] = ["Dit stukje bestaat niet."] });
        var start = text.Starts[position];
        var input = new NewCoding(storyId, themeId, start, start + text.Segments[position].Text.Length, null);
        return await codings.CreateAsync(session.ProjectId, input, new CodingAuthor(me.PersonId, me.Role, me.DisplayName, session.Id, me.Id), ct);
    }

    public async Task<(WorkshopThemeDto? Theme, string? Error)> ProposeThemeAsync(WorkshopSession session, WorkshopParticipant me, string? name, ThemeKind kind, CancellationToken ct)
    {
        var clean = name?.Trim() ?? "";
        if (clean.Length is 0 or > MaxThemeName || clean.Any(char.IsControl)) return (null, $"Een thema heeft een naam van 1 tot {MaxThemeName} tekens.");
        if (!Enum.IsDefined(kind)) return (null, "Kies knelpunt, wens, kracht of overig.");
        var existing = await db.Themes.AsNoTracking().Where(t => t.ProjectId == session.ProjectId && t.MergedIntoId == null)
            .Select(t => new { t.Id, t.Name, t.Colour, t.Kind }).ToListAsync(ct);
        if (existing.FirstOrDefault(t => Codebook.ThemeNames.Same(t.Name, clean)) is { } same)
            return (new WorkshopThemeDto(same.Id, same.Name, same.Colour, same.Kind), null);
        var theme = new Theme
        {
            ProjectId = session.ProjectId, Name = clean, Kind = kind, Colour = Palette[existing.Count % Palette.Length],
            CreatedByPersonId = me.PersonId, CreatedAt = time.GetUtcNow(),
        };
        db.Themes.Add(theme);
        db.ThemeEvents.Add(new ThemeEvent { ProjectId = session.ProjectId, ThemeId = theme.Id, Kind = ThemeEventKind.Proposed, After = clean, ByPersonId = me.PersonId, At = theme.CreatedAt });
        db.Record(time, "theme.proposed", me.PersonId, session.ProjectId, "theme", theme.Id);
        await db.SaveChangesAsync(ct);
        foreach (var listener in listeners) await listener.CodebookChangedAsync(session.ProjectId, ct);
        return (new WorkshopThemeDto(theme.Id, theme.Name, theme.Colour, theme.Kind), null);
    }

    /// <summary>
    /// Places a dot. The limit holds without locks and across web nodes: insert first, then count; if this vote
    /// made too many, it is taken back. Two racing votes may both be taken back, never both kept.
    /// </summary>
    public async Task<(IReadOnlyList<Guid>? MyVotes, string? Error)> VoteAsync(WorkshopSession session, WorkshopParticipant me, Guid themeId, CancellationToken ct)
    {
        if (!await db.Themes.AnyAsync(t => t.Id == themeId && t.ProjectId == session.ProjectId && t.MergedIntoId == null, ct))
            return (null, "Dit thema staat niet in het codeboek.");
        var vote = new ThemeVote { SessionId = session.Id, ParticipantId = me.Id, ThemeId = themeId, At = time.GetUtcNow() };
        db.ThemeVotes.Add(vote);
        await db.SaveChangesAsync(ct);
        var mine = await db.ThemeVotes.CountAsync(v => v.SessionId == session.Id && v.ParticipantId == me.Id, ct);
        if (mine > session.VotesPerParticipant)
        {
            await db.ThemeVotes.Where(v => v.Id == vote.Id).ExecuteDeleteAsync(ct);
            return (null, session.VotesPerParticipant == 1 ? "Je hebt je stem al gebruikt." : $"Je hebt al je {session.VotesPerParticipant} stemmen gebruikt. Haal eerst een stip weg.");
        }
        return (await MyVotesAsync(session.Id, me.Id, ct), null);
    }

    public async Task<IReadOnlyList<Guid>> UnvoteAsync(WorkshopSession session, WorkshopParticipant me, Guid themeId, CancellationToken ct)
    {
        var one = await db.ThemeVotes.Where(v => v.SessionId == session.Id && v.ParticipantId == me.Id && v.ThemeId == themeId)
            .OrderByDescending(v => v.At).Select(v => v.Id).FirstOrDefaultAsync(ct);
        if (one != Guid.Empty) await db.ThemeVotes.Where(v => v.Id == one).ExecuteDeleteAsync(ct);
        return await MyVotesAsync(session.Id, me.Id, ct);
    }

    private async Task<IReadOnlyList<Guid>> MyVotesAsync(Guid sessionId, Guid participantId, CancellationToken ct) =>
        await db.ThemeVotes.Where(v => v.SessionId == sessionId && v.ParticipantId == participantId).Select(v => v.ThemeId).ToListAsync(ct);

    public async Task<List<VoteTallyDto>> VotesAsync(Guid sessionId, CancellationToken ct) =>
        await db.ThemeVotes.Where(v => v.SessionId == sessionId).GroupBy(v => v.ThemeId)
            .Select(g => new VoteTallyDto(g.Key, g.Count())).ToListAsync(ct);

    /// <summary>Puts a coding in the spotlight (null clears it); false when the coding is not in the session's project.</summary>
    public async Task<(bool Ok, SpotlightDto? Spotlight)> SetSpotlightAsync(WorkshopSession session, Guid? codingId, CancellationToken ct)
    {
        if (codingId is { } id && !await db.Codings.AnyAsync(c => c.Id == id && c.Theme!.ProjectId == session.ProjectId, ct)) return (false, null);
        await db.WorkshopSessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.SpotlightCodingId, codingId), ct);
        session.SpotlightCodingId = codingId;
        return (true, await SpotlightAsync(session, ct));
    }

    public async Task<SpotlightDto?> SpotlightAsync(WorkshopSession session, CancellationToken ct)
    {
        if (session.SpotlightCodingId is not { } id) return null;
        var c = await db.Codings.AsNoTracking().Where(c => c.Id == id && c.Theme!.ProjectId == session.ProjectId)
            .Select(c => new { c.Id, c.TranscriptId, c.StartChar, c.EndChar, c.StartMs, c.EndMs, c.Theme!.Name, c.Theme.Colour,
                c.Transcript!.StoryId, c.Transcript.Story!.TellerPseudonym, c.Transcript.Story.Consent.Scopes })
            .FirstOrDefaultAsync(ct);
        if (c is null || !c.Scopes.AllowsAnalysis()) return null;
        var texts = await TextsAsync([c.TranscriptId], ct);
        var filter = await pseudonyms.ForReaderAsync(session.ProjectId, c.StoryId, seesOriginals: false, ct);
        var original = Slice(texts, c.TranscriptId, c.StartChar, c.EndChar);
        var quote = filter.Apply(original);
        // Audio only where the teller agreed to be heard in a workshop. It plays to a room, so it is always what a reader
        // without see-originals hears: names that must not be heard silenced; where the recording has no word times to
        // silence them by, no audio when the passage says one (the page shows the quote alone).
        string? audio = null;
        if ((c.Scopes & ConsentScopes.AudioInWorkshops) != 0)
        {
            var url = $"/api/projects/{session.ProjectId}/stories/{c.StoryId}/audio";
            audio = (await silencing.PlanAsync(c.StoryId, 0, filter.Pseudonyms, ct)).Hearing switch
            {
                AudioHearing.Silenced => url + "?silenced=true",
                AudioHearing.Withheld when filter.SilencesAudioIn(original) => null,
                _ => url,
            };
        }
        return new SpotlightDto(c.Id, c.StoryId, c.TellerPseudonym, quote, c.Name, c.Colour, c.StartMs, c.EndMs, audio);
    }

    // ---- the board ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Per theme: codings, stories, tellers, dots, and its strongest quotes — the passages coded with that theme by
    /// the most people (ties: the most recent first), because what many people picked out speaks for the group.
    /// Overlapping codings of one transcript are one passage (a short and a long coding of the same words), shown
    /// whole; the spotlight takes its longest coding.
    /// </summary>
    public async Task<BoardDto> BoardAsync(WorkshopSession session, CancellationToken ct)
    {
        var rows = await db.Codings.AsNoTracking()
            .Where(c => c.Theme!.ProjectId == session.ProjectId && c.Theme.MergedIntoId == null)
            .OfAnalysableStories()
            .Select(c => new { c.Id, c.ThemeId, c.TranscriptId, c.StartChar, c.EndChar, c.CreatedAt, c.Transcript!.StoryId, c.Transcript.Story!.TellerPseudonym })
            .ToListAsync(ct);
        var themes = await ThemesAsync(session.ProjectId, ct);
        var votes = (await VotesAsync(session.Id, ct)).ToDictionary(v => v.ThemeId, v => v.Votes);

        var strongest = rows.GroupBy(r => r.ThemeId).ToDictionary(g => g.Key, g => Passages.Merge(g, r => r.TranscriptId, r => r.StartChar, r => r.EndChar)
            .OrderByDescending(p => p.Codings.Count).ThenByDescending(p => p.Codings.Max(r => r.CreatedAt)).Take(3)
            .Select(p => (Passage: p, Longest: p.Codings.OrderByDescending(r => r.EndChar - r.StartChar).ThenByDescending(r => r.CreatedAt).First())).ToList());
        var texts = await TextsAsync(strongest.Values.SelectMany(q => q.Select(x => x.Passage.TranscriptId)).Distinct().ToList(), ct);
        var filterFor = await pseudonyms.ForReaderAsync(session.ProjectId, seesOriginals: false, ct);

        var board = themes.Select(t =>
        {
            var mine = rows.Where(r => r.ThemeId == t.Id).ToList();
            var quotes = strongest.TryGetValue(t.Id, out var q)
                ? q.Select(x => new BoardQuoteDto(x.Longest.Id, x.Longest.StoryId, x.Longest.TellerPseudonym,
                    filterFor(x.Longest.StoryId).Apply(Slice(texts, x.Passage.TranscriptId, x.Passage.StartChar, x.Passage.EndChar)), x.Passage.Codings.Count)).ToList()
                : [];
            return new BoardThemeDto(t.Id, t.Name, t.Colour, t.Kind, mine.Count, mine.Select(r => r.StoryId).Distinct().Count(),
                mine.Select(r => r.TellerPseudonym).Distinct(StringComparer.OrdinalIgnoreCase).Count(), votes.GetValueOrDefault(t.Id), quotes);
        })
        .OrderByDescending(t => t.Votes).ThenByDescending(t => t.Stories).ThenByDescending(t => t.Codings).ToList();
        var participants = await db.WorkshopParticipants.CountAsync(p => p.SessionId == session.Id, ct);
        return new BoardDto(session.Id, session.Title, session.Code, session.ClosedAt is null, participants, board, await SpotlightAsync(session, ct));
    }

    private async Task<Dictionary<Guid, TranscriptText>> TextsAsync(List<Guid> transcriptIds, CancellationToken ct)
    {
        if (transcriptIds.Count == 0) return [];
        var segments = await db.TranscriptSegments.AsNoTracking().Where(s => transcriptIds.Contains(s.TranscriptId)).ToListAsync(ct);
        return segments.GroupBy(s => s.TranscriptId).ToDictionary(g => g.Key, g => TranscriptText.From(g));
    }

    private static string Slice(Dictionary<Guid, TranscriptText> texts, Guid transcriptId, int start, int end) =>
        texts.TryGetValue(transcriptId, out var t) && end <= t.Text.Length && start < end ? t.Text[start..end] : "";
}
