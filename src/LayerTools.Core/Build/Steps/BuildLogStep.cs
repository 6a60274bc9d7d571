using System.Diagnostics;
using System.Globalization;

namespace LayerTools.Core.Build.Steps;

/// <summary>One step of the build log, between its start line and its end line.</summary>
internal sealed class BuildLogStep
{
    private readonly BuildLog _log;
    private readonly string _prefix;
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private bool _ended;

    public BuildLogStep(BuildLog log, int number)
    {
        _log = log;
        _prefix = "#" + number.ToString(CultureInfo.InvariantCulture) + " ";
    }

    /// <summary>Runs a step and ends its line in the log when it fails or is cancelled.</summary>
    public static T Run<T>(BuildLogStep? step, Func<T> run)
    {
        try
        {
            return run();
        }
        catch (OperationCanceledException)
        {
            step?.Canceled();
            throw;
        }
        catch (LayerToolsException ex)
        {
            step?.Error(ex.Message.Split('\n')[0]);
            throw;
        }
    }

    /// <summary>A line the step's command printed, as printed.</summary>
    public void Output(string line) => _log.Write(line);

    /// <summary>The end of a step that succeeded: <c>CACHED</c>, or <c>DONE</c> and the time it took.</summary>
    public void End(bool cached) => End(cached ? "CACHED" : "DONE " + _watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s");

    public void Error(string message) => End("ERROR: " + message);

    public void Canceled() => End("CANCELED");

    private void End(string text)
    {
        if (!_ended)
        {
            _ended = true;
            _log.Write(_prefix + text);
        }
    }
}
