namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// What COPY and ADD share: sources (paths or URLs as written), inline heredoc sources, the
/// destination, and the <c>--chown</c>, <c>--chmod</c>, <c>--link</c> and <c>--exclude</c> flags.
/// </summary>
internal abstract class FileInstruction : Instruction
{
    protected FileInstruction(InstructionSource source, IReadOnlyList<string> sources, IReadOnlyList<Heredoc> contents, string destination, bool isJson)
        : base(source)
    {
        Sources = sources;
        Contents = contents;
        Destination = destination;
        IsJson = isJson;
    }

    public override bool SupportsExpansion => true;

    /// <summary>Source paths (relative to the context or the <c>--from</c> stage), wildcards allowed.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Sources given inline as heredocs (<c>COPY &lt;&lt;EOF /dst</c>): each becomes a file named after its word.</summary>
    public IReadOnlyList<Heredoc> Contents { get; }

    public string Destination { get; }

    /// <summary>True for the JSON form <c>COPY ["a b", "/dst/"]</c>.</summary>
    public bool IsJson { get; }

    public string? Chown => GetFlag("chown");

    public string? Chmod => GetFlag("chmod");

    public bool Link => IsTrue(GetFlag("link"));

    /// <summary>The <c>--exclude</c> patterns (may repeat).</summary>
    public IReadOnlyList<string> Excludes => Flags.Where(f => f.Name == "exclude" && f.Value is not null).Select(f => f.Value!).ToArray();

    protected static bool IsTrue(string? flag) => flag is not null && (flag.Length == 0 || string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase));

    protected IReadOnlyList<Heredoc> ExpandContents(IReadOnlyDictionary<string, string> variables)
    {
        var raw = new VariableExpander('\\') { SkipProcessQuotes = true };
        return Contents.Select(h => h.Expand ? h with { Content = raw.Expand(h.Content, variables, Location, Name).Value } : h).ToArray();
    }

    protected override IEnumerable<string> ExpandableTexts()
    {
        var flagTexts = Flags.Where(f => f.Value is not null && f.Name is "chown" or "chmod" or "checksum").Select(f => f.Value!);
        return Sources.Append(Destination).Concat(flagTexts);
    }

    /// <summary>Adds the names found in heredoc bodies that are expanded.</summary>
    protected override HashSet<string> FindReferences()
    {
        var names = base.FindReferences();
        var raw = new VariableExpander('\\') { SkipProcessQuotes = true };
        foreach (var h in Contents.Where(h => h.Expand))
        {
            names.UnionWith(raw.FindReferences(h.Content));
        }

        return names;
    }
}
