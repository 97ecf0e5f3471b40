namespace Storytelling.Web.Features.Workshops;

/// <summary>Cohen's kappa for two raters making yes/no decisions on the same units.</summary>
public sealed record KappaResult(int Units, int BothYes, int OnlyFirst, int OnlySecond, int BothNo,
    double? Observed, double? Expected, double? Kappa, string Note);

public static class Agreement
{
    public const string Formula = "κ = (pₒ − pₑ) / (1 − pₑ), met pₒ = aandeel eenstemmige beslissingen en pₑ = pA·pB + (1 − pA)·(1 − pB)";

    /// <summary>
    /// κ = (po − pe) / (1 − pe): po is the share of units where both decided alike, pe the share expected by chance
    /// from each rater's own rate of "yes". Degenerate cases come back with Kappa = null and a note: no units, or both
    /// raters constant and equal (pe = 1), where agreement is total but κ is undefined.
    /// </summary>
    public static KappaResult CohensKappa(IEnumerable<(bool First, bool Second)> decisions)
    {
        int yy = 0, yn = 0, ny = 0, nn = 0;
        foreach (var (a, b) in decisions)
        {
            if (a && b) yy++;
            else if (a) yn++;
            else if (b) ny++;
            else nn++;
        }
        var n = yy + yn + ny + nn;
        if (n == 0) return new(0, 0, 0, 0, 0, null, null, null, "Nog geen gegevens: geen verhaal is door beide groepen gecodeerd.");
        var po = (double)(yy + nn) / n;
        var pA = (double)(yy + yn) / n;
        var pB = (double)(yy + ny) / n;
        var pe = pA * pB + (1 - pA) * (1 - pB);
        if (1 - pe < 1e-12)
            return new(n, yy, yn, ny, nn, po, pe, null,
                "Volledige overeenstemming, maar beide groepen beslisten overal hetzelfde; kappa is dan niet gedefinieerd.");
        var kappa = (po - pe) / (1 - pe);
        return new(n, yy, yn, ny, nn, po, pe, kappa, Describe(kappa));
    }

    /// <summary>Landis &amp; Koch's (1977) bands, in Dutch.</summary>
    public static string Describe(double kappa) => kappa switch
    {
        < 0 => "minder overeenstemming dan toeval",
        < 0.21 => "nauwelijks overeenstemming",
        < 0.41 => "redelijke overeenstemming",
        < 0.61 => "matige overeenstemming",
        < 0.81 => "flinke overeenstemming",
        _ => "(bijna) volledige overeenstemming",
    };
}
