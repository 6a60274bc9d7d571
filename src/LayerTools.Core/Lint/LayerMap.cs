using System.Text.RegularExpressions;
using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Images;

namespace LayerTools.Core.Lint;

/// <summary>
/// Which layer of a built image each RUN, COPY and ADD of a Dockerfile made, found through the
/// image's history: a record's <c>created_by</c> is matched against the instruction's text, as BuildKit
/// (and LayerTools' builder) write it — <c>RUN /bin/sh -c &lt;text&gt; # buildkit</c>,
/// <c>COPY &lt;sources&gt; &lt;destination&gt; # buildkit</c> (no flags; sources and destination expanded with
/// the stage's ARG and ENV values, as the build expands them: ARG defaults and global ARGs, since the
/// build's own --build-arg values are not known here). The stage whose instructions match most records wins
/// (the built target); instructions and records are paired from the end, so base-image records never
/// pair with the Dockerfile's steps unless their text is the same.
/// </summary>
internal sealed partial class LayerMap
{
    private readonly Dictionary<Instruction, (int Layer, string DiffId)> _byInstruction;

    private LayerMap(Dictionary<Instruction, (int Layer, string DiffId)> byInstruction, string label, DockerfileStage? stage)
    {
        _byInstruction = byInstruction;
        Label = label;
        Stage = stage;
    }

    /// <summary>The image, as findings name it.</summary>
    public string Label { get; }

    /// <summary>The stage the image was built from; null when nothing matched.</summary>
    public DockerfileStage? Stage { get; }

    public int Count => _byInstruction.Count;

    public static LayerMap Build(Dockerfile dockerfile, ImageCatalog catalog, StoredImage image)
    {
        var history = catalog.History(image);
        var records = new List<(string Text, int Layer, string DiffId)>();
        var layer = 0;
        foreach (var h in history)
        {
            if (h.LayerDiffId is null)
            {
                continue;
            }

            records.Add((Normalize(h.CreatedBy ?? string.Empty), layer++, h.LayerDiffId));
        }

        var label = history.Count > 0 ? history[0].Image : image.ToString() ?? string.Empty;
        Dictionary<Instruction, (int, string)> best = new();
        DockerfileStage? bestStage = null;
        var globals = StagePlanner.ResolveGlobalArgs(dockerfile, null);
        foreach (var stage in dockerfile.Stages)
        {
            var map = new Dictionary<Instruction, (int, string)>();
            var next = records.Count - 1;
            var expanded = Expanded(stage, globals);
            foreach (var instruction in stage.Instructions.Where(i => i is RunInstruction or FileInstruction).Reverse())
            {
                var wanted = Expected(expanded[instruction]);
                for (var k = next; k >= 0; k--)
                {
                    if (Matches(records[k].Text, instruction, wanted))
                    {
                        map[instruction] = (records[k].Layer, records[k].DiffId);
                        next = k - 1;
                        break;
                    }
                }
            }

            if (map.Count > best.Count || (map.Count == best.Count && map.Count > 0 && stage.Index > (bestStage?.Index ?? -1)))
            {
                best = map;
                bestStage = stage;
            }
        }

        return new LayerMap(best, label, best.Count > 0 ? bestStage : null);
    }

    /// <summary>Each instruction of <paramref name="stage"/> as the build expands it (one it cannot expand, as written).</summary>
    private static Dictionary<Instruction, Instruction> Expanded(DockerfileStage stage, IReadOnlyDictionary<string, string> globals)
    {
        var expanded = new Dictionary<Instruction, Instruction>(ReferenceEqualityComparer.Instance);
        var scope = StageScope.Start(globals, baseImageEnv: null, buildArgs: null);
        foreach (var instruction in stage.Instructions)
        {
            try
            {
                (scope, expanded[instruction]) = scope.Apply(instruction);
            }
            catch (LayerToolsException ex) when (ex.ErrorId == DockerfileError.ErrorId)
            {
                // Bad substitution (${X:?unset}): the build would fail here; the instruction matches as written.
                expanded[instruction] = instruction;
            }
        }

        return expanded;
    }

    /// <summary>The layer an instruction made, when the image has it.</summary>
    public bool TryGet(Instruction instruction, out int layer, out string diffId)
    {
        if (_byInstruction.TryGetValue(instruction, out var found))
        {
            (layer, diffId) = found;
            return true;
        }

        (layer, diffId) = (-1, string.Empty);
        return false;
    }

    /// <summary>The instruction that made layer <paramref name="layer"/>; null for base-image layers and unmatched ones.</summary>
    public Instruction? InstructionOf(int layer) => _byInstruction.FirstOrDefault(p => p.Value.Layer == layer).Key;

    private static string Expected(Instruction instruction) => instruction switch
    {
        RunInstruction run => Normalize(run.Command.IsExecForm ? string.Join(' ', run.Command.Arguments) : run.Command.Arguments.Count > 0 ? run.Command.Arguments[0] : string.Empty),
        // As the builder writes it: a COPY or ADD of sources without its flags (--link, --chown, --chmod,
        // --from are not in the history, as in BuildKit's); a heredoc COPY with its whole text.
        FileInstruction { Contents.Count: 0 } copy => Normalize(HistoryText.Copy(copy)),
        _ => Normalize("COPY " + HistoryText.Arguments(instruction)),
    };

    private static bool Matches(string createdBy, Instruction instruction, string wanted)
    {
        if (instruction is RunInstruction)
        {
            // RUN /bin/sh -c <text>, or the classic builder's "/bin/sh -c <text>" and "|1 A=b /bin/sh -c <text>".
            return wanted.Length > 0 && createdBy.Contains(" " + wanted, StringComparison.Ordinal);
        }

        return string.Equals(createdBy, wanted, StringComparison.Ordinal);
    }

    private static string Normalize(string text)
    {
        var t = text.Trim();
        if (t.EndsWith("# buildkit", StringComparison.Ordinal))
        {
            t = t[..^"# buildkit".Length];
        }

        return Whitespace().Replace(t, " ").Trim();
    }

    [GeneratedRegex(@"[ \t\r\n]+")]
    private static partial Regex Whitespace();
}
