using System.Globalization;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Planning;

/// <summary>
/// Decides which stages a build needs, as BuildKit does: the target (named, or the last stage) and,
/// transitively, every stage it starts FROM or copies/mounts from (<c>--from=&lt;name|index&gt;</c>).
/// FROM lines are expanded with the global ARGs (build arguments override their defaults).
/// </summary>
internal static class StagePlanner
{
    public static BuildPlan Plan(Dockerfile dockerfile, string? target = null, IReadOnlyDictionary<string, string>? buildArgs = null)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        var globals = ResolveGlobalArgs(dockerfile, buildArgs);
        var planned = new List<PlannedStage>();
        foreach (var stage in dockerfile.Stages)
        {
            planned.Add(PlanStage(dockerfile, stage, globals));
        }

        DockerfileStage targetStage;
        if (string.IsNullOrEmpty(target))
        {
            targetStage = dockerfile.Stages[^1];
        }
        else
        {
            targetStage = dockerfile.Stages.FirstOrDefault(s => s.Name is not null && s.Name.Equals(target, StringComparison.OrdinalIgnoreCase))
                ?? throw new LayerToolsException(
                    "BuildTargetNotFound",
                    ErrorKind.ObjectNotFound,
                    $"{dockerfile.File}: target stage \"{target}\" could not be found; named stages: {(dockerfile.Stages.Any(s => s.Name is not null) ? string.Join(", ", dockerfile.Stages.Where(s => s.Name is not null).Select(s => s.Name)) : "none")}.",
                    target);
        }

        var needed = new SortedSet<int>();
        var pending = new Stack<int>();
        pending.Push(targetStage.Index);
        while (pending.Count > 0)
        {
            var index = pending.Pop();
            if (!needed.Add(index))
            {
                continue;
            }

            foreach (var dep in planned[index].Dependencies)
            {
                pending.Push(dep.Index);
            }
        }

        var stages = needed.Select(i => planned[i]).ToArray();
        return new BuildPlan(dockerfile, planned[targetStage.Index], stages, globals);
    }

    /// <summary>The global ARG values: for each definition in order, the build argument if given, else the default expanded with the values so far.</summary>
    public static IReadOnlyDictionary<string, string> ResolveGlobalArgs(Dockerfile dockerfile, IReadOnlyDictionary<string, string>? buildArgs)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in dockerfile.GlobalArgs)
        {
            foreach (var def in arg.Arguments)
            {
                var name = arg.ExpandName(def, values);
                if (buildArgs is not null && buildArgs.TryGetValue(name, out var given))
                {
                    values[name] = given;
                }
                else if (arg.ExpandDefault(def, values) is { } value)
                {
                    values[name] = value;
                }
            }
        }

        return values;
    }

    private static PlannedStage PlanStage(Dockerfile dockerfile, DockerfileStage stage, IReadOnlyDictionary<string, string> globals)
    {
        var expander = dockerfile.CreateExpander();
        var image = expander.Expand(stage.From.Image, globals, stage.Location, "FROM");
        if (image.Value.Length == 0)
        {
            throw DockerfileError.At(stage.Location, $"FROM: base name ({stage.From.Image}) should not be blank");
        }

        var used = new HashSet<string>(image.Matched, StringComparer.Ordinal);
        string? platform = null;
        if (stage.From.Platform is { } p)
        {
            var expanded = expander.Expand(p, globals, stage.Location, "FROM");
            used.UnionWith(expanded.Matched);
            platform = expanded.Value;
            if (platform.Length == 0)
            {
                throw DockerfileError.At(stage.Location, $"FROM: empty platform value from expression {p}");
            }
        }

        var deps = new List<DockerfileStage>();
        var external = new List<string>();
        var baseStage = Earlier(dockerfile, stage, image.Value);
        if (baseStage is not null)
        {
            deps.Add(baseStage);
        }

        foreach (var instruction in stage.Instructions)
        {
            var sources = instruction switch
            {
                CopyInstruction { From: { } from } => [from],
                RunInstruction run => run.MountSources,
                _ => (IReadOnlyList<string>)[],
            };
            foreach (var from in sources)
            {
                var dep = ResolveFrom(dockerfile, stage, instruction, from);
                if (dep is null)
                {
                    external.Add(from);
                }
                else if (!deps.Contains(dep))
                {
                    deps.Add(dep);
                }
            }
        }

        deps.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new PlannedStage(stage, image.Value, platform, baseStage, deps, external, used);
    }

    private static DockerfileStage? Earlier(Dockerfile dockerfile, DockerfileStage current, string name) =>
        dockerfile.Stages.Take(current.Index).FirstOrDefault(s => s.Name is not null && s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static DockerfileStage? ResolveFrom(Dockerfile dockerfile, DockerfileStage current, Instruction instruction, string from)
    {
        var keyword = instruction.Kind.ToString().ToUpperInvariant();
        if (dockerfile.CreateExpander().Expand(from, null, instruction.Location).Value != from)
        {
            throw DockerfileError.At(instruction.Location, $"{keyword}: variable expansion is not supported for --from ({from}); define a stage with FROM using a global ARG instead");
        }

        if (int.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            if (index >= dockerfile.Stages.Count)
            {
                throw DockerfileError.At(instruction.Location, $"{keyword}: invalid stage index {from}: the Dockerfile has {dockerfile.Stages.Count} stage(s)");
            }

            if (index >= current.Index)
            {
                throw DockerfileError.At(instruction.Location, $"{keyword}: cannot copy from stage {from}, it needs to be defined before current stage {current.DisplayName}");
            }

            return dockerfile.Stages[index];
        }

        var named = dockerfile.Stages.FirstOrDefault(s => s.Name is not null && s.Name.Equals(from, StringComparison.OrdinalIgnoreCase));
        if (named is null)
        {
            return null;
        }

        if (named.Index >= current.Index)
        {
            throw DockerfileError.At(instruction.Location, $"{keyword}: cannot copy from stage \"{from}\", it needs to be defined before current stage {current.DisplayName}");
        }

        return named;
    }
}
