using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Planning;

/// <summary>
/// The variables in scope at one point of a stage, as BuildKit tracks them: one ordered
/// environment holding the base image's Env, then every ENV and every ARG with a value, a later
/// definition replacing an earlier one. It is what instructions are expanded with and what RUN
/// sees. <see cref="ImageEnv"/> is only the part that goes into the image config (ARGs never do).
/// Immutable: <see cref="Apply"/> returns the scope after an instruction.
/// </summary>
internal sealed class StageScope
{
    private readonly IReadOnlyDictionary<string, string> _globalArgs;
    private readonly IReadOnlyDictionary<string, string> _buildArgs;

    private StageScope(
        IReadOnlyList<KeyValuePair<string, string>> variables,
        IReadOnlyList<KeyValuePair<string, string>> imageEnv,
        IReadOnlyDictionary<string, string> args,
        IReadOnlyDictionary<string, string> globalArgs,
        IReadOnlyDictionary<string, string> buildArgs,
        IReadOnlyList<string> declaredArgs)
    {
        DeclaredArgs = declaredArgs;
        OrderedVariables = variables;
        OrderedImageEnv = imageEnv;
        Args = args;
        _globalArgs = globalArgs;
        _buildArgs = buildArgs;
        Variables = variables.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>Name → value for expansion and for RUN's environment.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; }

    /// <summary>The same, in definition order (for a stable RUN environment and cache key).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OrderedVariables { get; }

    /// <summary>The config's Env after the ENV instructions so far, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> OrderedImageEnv { get; }

    /// <summary>The config's Env in Docker's <c>KEY=value</c> form.</summary>
    public IReadOnlyList<string> ImageEnv => OrderedImageEnv.Select(kv => kv.Key + "=" + kv.Value).ToArray();

    /// <summary>ARGs declared in this stage so far that have a value.</summary>
    public IReadOnlyDictionary<string, string> Args { get; }

    /// <summary>The names of the ARGs declared in this stage so far, in order (a name declared twice is here twice, as BuildKit keeps it).</summary>
    public IReadOnlyList<string> DeclaredArgs { get; }

    /// <summary>
    /// BuildKit's prefix of a RUN's history text: <c>|2 A=1 B=x </c> for the ARGs declared in the
    /// stage, each with its value in scope (an ENV of the same name wins; none is empty); empty when
    /// the stage declares no ARG.
    /// </summary>
    public string RunHistoryPrefix => DeclaredArgs.Count == 0
        ? string.Empty
        : "|" + DeclaredArgs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + string.Join(' ', DeclaredArgs.Select(n => n + "=" + Variables.GetValueOrDefault(n, string.Empty))) + " ";

    /// <summary>
    /// The scope at the start of <paramref name="stage"/>: the base image's Env (<c>KEY=value</c>
    /// strings, e.g. from its config; empty for scratch) and no ARG until one is declared. A stage
    /// that re-declares a global ARG without a default gets the global value.
    /// </summary>
    public static StageScope Start(PlannedStage stage, BuildPlan plan, IEnumerable<string>? baseImageEnv, IReadOnlyDictionary<string, string>? buildArgs)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(plan);
        return Start(plan.GlobalArgs, baseImageEnv, buildArgs);
    }

    /// <summary>As <see cref="Start(PlannedStage, BuildPlan, IEnumerable{string}?, IReadOnlyDictionary{string, string}?)"/>, given the global ARGs (<see cref="StagePlanner.ResolveGlobalArgs"/>) rather than a plan.</summary>
    public static StageScope Start(IReadOnlyDictionary<string, string> globalArgs, IEnumerable<string>? baseImageEnv, IReadOnlyDictionary<string, string>? buildArgs)
    {
        var env = new List<KeyValuePair<string, string>>();
        foreach (var entry in baseImageEnv ?? [])
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            Set(env, eq < 0 ? entry : entry[..eq], eq < 0 ? string.Empty : entry[(eq + 1)..]);
        }

        return new StageScope(env, env, new Dictionary<string, string>(StringComparer.Ordinal), globalArgs, buildArgs ?? new Dictionary<string, string>(), Array.Empty<string>());
    }

    /// <summary>
    /// Expands <paramref name="instruction"/> in this scope and returns it with the scope after it.
    /// ENV pairs and ARG defaults are all expanded against the scope before the instruction (for
    /// ARG a build argument wins over the default; an ARG without default takes the global value). RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD come back unchanged.
    /// </summary>
    public (StageScope Next, Instruction Expanded) Apply(Instruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        switch (instruction)
        {
            case EnvInstruction env:
                {
                    var expanded = env.Expand(Variables);
                    var variables = OrderedVariables.ToList();
                    var imageEnv = OrderedImageEnv.ToList();
                    foreach (var pair in expanded.Variables)
                    {
                        Set(variables, pair.Key, pair.Value);
                        Set(imageEnv, pair.Key, pair.Value);
                    }

                    return (new StageScope(variables, imageEnv, Args, _globalArgs, _buildArgs, DeclaredArgs), expanded);
                }

            case ArgInstruction arg:
                {
                    var variables = OrderedVariables.ToList();
                    var args = new Dictionary<string, string>(Args, StringComparer.Ordinal);
                    var resolved = new List<ArgDefinition>();
                    foreach (var def in arg.Arguments)
                    {
                        string? value;
                        if (_buildArgs.TryGetValue(def.Name, out var given))
                        {
                            value = given;
                        }
                        else if (def.DefaultValue is not null)
                        {
                            // As BuildKit's dispatch: every default of one ARG instruction is expanded with
                            // the variables before it (ARG X=1 Y=${X}2 gives Y=2 unless X was set earlier).
                            value = arg.ExpandDefault(def, Variables);
                        }
                        else
                        {
                            value = _globalArgs.TryGetValue(def.Name, out var global) ? global : null;
                        }

                        if (value is not null)
                        {
                            Set(variables, def.Name, value);
                            args[def.Name] = value;
                        }

                        resolved.Add(new ArgDefinition(def.Name, value));
                    }

                    return (new StageScope(variables, OrderedImageEnv, args, _globalArgs, _buildArgs, DeclaredArgs.Concat(resolved.Select(r => r.Name)).ToArray()), arg.WithArguments(resolved));
                }

            default:
                return (this, instruction.Expand(Variables));
        }
    }

    /// <summary>
    /// The ARG values <paramref name="instruction"/> depends on, for its cache key: every ARG in
    /// scope for RUN (Docker passes them all to the command), else the ARGs it refers to.
    /// </summary>
    public IReadOnlyDictionary<string, string> UsedArgs(Instruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction is RunInstruction)
        {
            return Args;
        }

        return Args.Where(kv => instruction.ReferencedVariables.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private static void Set(List<KeyValuePair<string, string>> list, string key, string value)
    {
        var index = list.FindIndex(kv => kv.Key == key);
        if (index >= 0)
        {
            list[index] = new KeyValuePair<string, string>(key, value);
        }
        else
        {
            list.Add(new KeyValuePair<string, string>(key, value));
        }
    }
}
