using System.ComponentModel.DataAnnotations;

namespace Storytelling.Web.Features.Workshops;

public sealed class WorkshopOptions
{
    public const string Section = "Storytelling:Workshops";

    /// <summary>Joins per minute from one client address; a room behind one Wi-Fi shares an address, so keep it generous.</summary>
    [Range(1, 1_000_000)] public int JoinsPerMinutePerAddress { get; set; } = 60;

    /// <summary>
    /// Codings that follow each other within this many milliseconds reach the room as one message (see
    /// <see cref="CodingPacer"/>); 0 sends every coding on its own.
    /// </summary>
    [Range(0, 1_000)] public int CodingPushWindowMs { get; set; } = 50;

    /// <summary>From how many codings in a second a room counts as busy and is paced (below it, each goes out at once).</summary>
    [Range(1, 100_000)] public int CodingPushBusyPerSecond { get; set; } = 20;
}
