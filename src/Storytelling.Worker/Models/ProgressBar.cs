using System.Globalization;

namespace Storytelling.Worker.Models;

/// <summary>
/// A one-line text progress bar (percent, MB, speed) for a terminal; it redraws only when the text changes and at
/// most a few times a second. Where output is redirected to a file it writes one plain line per 10 % instead.
/// </summary>
public sealed class ProgressBar(TextWriter writer, bool interactive, TimeProvider? time = null) : IProgress<DownloadProgress>
{
    private const int Width = 30;
    private static readonly TimeSpan MinRedraw = TimeSpan.FromMilliseconds(200);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _startBytes = -1;
    private long _startTimestamp;
    private long _lastDraw;
    private string _lastLine = "";
    private int _lastTenth = -1;
    private bool _drawn;

    public void Report(DownloadProgress value)
    {
        var now = _time.GetTimestamp();
        if (_startBytes < 0 || value.BytesReceived < _startBytes)
        {
            _startBytes = value.BytesReceived;
            _startTimestamp = now;
        }
        var complete = value.BytesReceived >= value.TotalBytes;

        if (!interactive)
        {
            var tenth = (int)(value.Fraction * 10);
            if (tenth == _lastTenth) return;
            _lastTenth = tenth;
            writer.WriteLine(Render(value, now));
            return;
        }

        if (!complete && _drawn && _time.GetElapsedTime(_lastDraw, now) < MinRedraw) return;
        var line = Render(value, now);
        if (line == _lastLine) return;
        writer.Write("\r" + line.PadRight(_lastLine.Length));
        writer.Flush();
        _lastLine = line;
        _lastDraw = now;
        _drawn = true;
    }

    /// <summary>Ends the bar's line so whatever is written next starts on a fresh one.</summary>
    public void Finish()
    {
        if (interactive && _drawn) writer.WriteLine();
        _drawn = false;
        _lastLine = "";
    }

    internal string Render(DownloadProgress value, long now)
    {
        var fraction = value.Fraction;
        var filled = (int)Math.Round(fraction * Width);
        var seconds = _time.GetElapsedTime(_startTimestamp, now).TotalSeconds;
        var speed = seconds >= 0.5 ? (value.BytesReceived - _startBytes) / seconds / 1_000_000 : double.NaN;
        return string.Create(CultureInfo.InvariantCulture,
            $"{fraction * 100,3:0}% [{new string('#', filled)}{new string('-', Width - filled)}] {value.BytesReceived / 1_000_000.0,8:0.0} / {value.TotalBytes / 1_000_000.0:0.0} MB{(double.IsNaN(speed) ? "" : $"  {speed:0.0} MB/s")}");
    }
}
