namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// A parsed Dockerfile: its directives, every instruction in order (each with file and lines),
/// the global ARGs before the first FROM, and the stages. Immutable. Produced by
/// <see cref="DockerfileParser"/>; plan what to build with <see cref="StagePlanner"/>.
/// </summary>
internal sealed class Dockerfile
{
    private Dockerfile(string file, char escapeToken, IReadOnlyDictionary<string, string> directives, IReadOnlyList<Instruction> instructions, IReadOnlyList<ArgInstruction> globalArgs, IReadOnlyList<DockerfileStage> stages)
    {
        File = file;
        EscapeToken = escapeToken;
        Directives = directives;
        Instructions = instructions;
        GlobalArgs = globalArgs;
        Stages = stages;
    }

    /// <summary>The file name used in locations and messages.</summary>
    public string File { get; }

    /// <summary>The escape character: <c>\</c>, or <c>`</c> after <c># escape=`</c>.</summary>
    public char EscapeToken { get; }

    /// <summary>The parser directives found at the top (<c>escape</c>, <c>syntax</c>, <c>check</c>), lower-case keys.</summary>
    public IReadOnlyDictionary<string, string> Directives { get; }

    public IReadOnlyList<Instruction> Instructions { get; }

    /// <summary>ARG instructions before the first FROM: visible to FROM lines only (and re-declarable inside stages).</summary>
    public IReadOnlyList<ArgInstruction> GlobalArgs { get; }

    public IReadOnlyList<DockerfileStage> Stages { get; }

    /// <summary>A variable expander using this file's escape character.</summary>
    public VariableExpander CreateExpander() => new(EscapeToken);

    /// <summary>The stage named <paramref name="nameOrIndex"/> (case-insensitive) or at that index; null when none.</summary>
    public DockerfileStage? FindStage(string nameOrIndex)
    {
        var byName = Stages.FirstOrDefault(s => s.Name is not null && s.Name.Equals(nameOrIndex, StringComparison.OrdinalIgnoreCase));
        if (byName is not null)
        {
            return byName;
        }

        return int.TryParse(nameOrIndex, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) && index < Stages.Count ? Stages[index] : null;
    }

    internal static Dockerfile Create(string file, char escapeToken, IReadOnlyDictionary<string, string> directives, IReadOnlyList<Instruction> instructions)
    {
        var globals = new List<ArgInstruction>();
        var stages = new List<DockerfileStage>();
        FromInstruction? from = null;
        var current = new List<Instruction>();
        foreach (var instruction in instructions)
        {
            if (instruction is FromInstruction f)
            {
                if (from is not null)
                {
                    stages.Add(new DockerfileStage(stages.Count, from, current.ToArray()));
                }

                from = f;
                current.Clear();
                continue;
            }

            if (from is null)
            {
                if (instruction is ArgInstruction arg)
                {
                    globals.Add(arg);
                    continue;
                }

                throw DockerfileError.At(instruction.Location, $"{instruction.Kind.ToString().ToUpperInvariant()}: no build stage in current context (only ARG may come before the first FROM)");
            }

            current.Add(instruction);
        }

        if (from is null)
        {
            throw DockerfileError.At(instructions[^1].Location, "no FROM instruction: a Dockerfile needs at least one stage");
        }

        stages.Add(new DockerfileStage(stages.Count, from, current.ToArray()));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in stages)
        {
            if (stage.Name is not null && !names.Add(stage.Name))
            {
                throw DockerfileError.At(stage.Location, $"FROM: duplicate stage name \"{stage.Name}\"");
            }
        }

        return new Dockerfile(file, escapeToken, new Dictionary<string, string>(directives), instructions, globals, stages);
    }
}
