using System.Globalization;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// The build log, in the form of BuildKit's plain progress: a line as each step starts, numbered in
/// the build (<c>#4</c>) and in its stage as BuildKit numbers it (<c>[4/5]</c>, <c>[build 2/4]</c> when
/// the Dockerfile has several stages), the lines a RUN command prints (as printed, under its step),
/// and a line as it ends (<c>#4 CACHED</c>, <c>#4 DONE 0.4s</c>, <c>#4 ERROR: …</c>). Like BuildKit it
/// shows the steps that make a file system (FROM an image, COPY, ADD, RUN, WORKDIR), not the metadata ones.
/// </summary>
internal sealed class BuildLog
{
    private readonly Action<string>? _write;
    private readonly object _gate = new();
    private int _steps;

    public BuildLog(Action<string>? write) => _write = write;

    /// <summary>Whether BuildKit counts and shows a step for this instruction.</summary>
    public static bool Shows(Instruction instruction) => instruction is CopyInstruction or AddInstruction or RunInstruction or WorkdirInstruction;

    /// <summary>The counter of a stage: named when the Dockerfile has more than one stage; the FROM line counts when the stage starts from an image.</summary>
    public static StageCounter Counter(DockerfileStage stage, bool multiStage, bool fromImage, IEnumerable<Instruction> instructions) =>
        new(multiStage ? stage.DisplayName : null, (fromImage ? 1 : 0) + instructions.Count(Shows));

    /// <summary>Writes the line of a step that starts: <c>#n [stage i/total] text</c>.</summary>
    public BuildLogStep Start(StageCounter counter, string text)
    {
        int number;
        lock (_gate)
        {
            number = ++_steps;
        }

        counter.Started++;
        var width = counter.Total.ToString(CultureInfo.InvariantCulture).Length;
        var position = counter.Started.ToString(CultureInfo.InvariantCulture).PadLeft(width) + "/" + counter.Total.ToString(CultureInfo.InvariantCulture);
        Write($"#{number.ToString(CultureInfo.InvariantCulture)} [{(counter.Name is null ? string.Empty : counter.Name + " ")}{position}] {OneLine(text)}");
        return new BuildLogStep(this, number);
    }

    public void Write(string line) => _write?.Invoke(line);

    /// <summary>An instruction on one line: continuation lines joined, a heredoc's body left out.</summary>
    private static string OneLine(string text)
    {
        var lines = text.Split('\n');
        if (text.Contains("<<", StringComparison.Ordinal))
        {
            return lines[0].TrimEnd('\r', ' ');
        }

        return string.Join(' ', lines.Select(l => l.Trim().TrimEnd('\\').Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
    }
}
