namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// One instruction of a Dockerfile: an immutable node of the AST. Arguments are kept as written;
/// call <see cref="Expand"/> with the variables in scope (ARG and ENV at that point of the stage)
/// to get the instruction with Docker's substitution applied and quotes removed — it must be
/// called even when no variable is set, as it also removes quotes. RUN, CMD and ENTRYPOINT are
/// never expanded here (the shell does it at run time).
/// </summary>
internal abstract class Instruction
{
    private IReadOnlySet<string>? _references;

    protected Instruction(InstructionSource source)
    {
        Source = source;
    }

    public abstract InstructionKind Kind { get; }

    /// <summary>The keyword as written (<c>run</c>, <c>COPY</c>...).</summary>
    public string Keyword => Source.Keyword;

    /// <summary>The instruction text, continuation lines joined (what <c>docker history</c> shows).</summary>
    public string Original => Source.Original;

    /// <summary>The lines of the file this instruction spans, verbatim.</summary>
    public string SourceText => Source.SourceText;

    public SourceLocation Location => Source.Location;

    /// <summary>The <c>--flags</c>, in the order written.</summary>
    public IReadOnlyList<InstructionFlag> Flags => Source.Flags;

    public char EscapeToken => Source.EscapeToken;

    /// <summary>True for the instructions where Docker substitutes variables itself.</summary>
    public virtual bool SupportsExpansion => false;

    /// <summary>
    /// The variable names this instruction refers to, found lexically. For RUN this is what its
    /// command text mentions; note that Docker hands every ARG in scope to RUN as environment,
    /// so a RUN step depends on all of them for caching.
    /// </summary>
    public IReadOnlySet<string> ReferencedVariables => _references ??= FindReferences();

    protected InstructionSource Source { get; }

    /// <summary>The value of flag <c>--name</c> (the last one when repeated); null when absent; "" for a bare boolean flag.</summary>
    public string? GetFlag(string name)
    {
        string? value = null;
        foreach (var f in Flags)
        {
            if (string.Equals(f.Name, name, StringComparison.Ordinal))
            {
                value = f.Value ?? string.Empty;
            }
        }

        return value;
    }

    /// <summary>
    /// This instruction with Docker's variable substitution applied using <paramref name="variables"/>.
    /// Instructions Docker does not expand return themselves. Throws <c>DockerfileParseError</c>
    /// (with this instruction's file:line) on bad substitution syntax.
    /// </summary>
    public virtual Instruction Expand(IReadOnlyDictionary<string, string> variables) => this;

    public override string ToString() => Original;

    /// <summary>The raw texts whose variable references count (see <see cref="ReferencedVariables"/>).</summary>
    protected virtual IEnumerable<string> ExpandableTexts() => [];

    protected VariableExpander Expander => new(EscapeToken);

    /// <summary>The keyword in upper case, as used in messages.</summary>
    protected string Name => Kind.ToString().ToUpperInvariant();

    protected string ExpandWord(string word, IReadOnlyDictionary<string, string> variables) =>
        Expander.Expand(word, variables, Location, Name).Value;

    protected string? ExpandOptional(string? word, IReadOnlyDictionary<string, string> variables) =>
        word is null ? null : ExpandWord(word, variables);

    protected IReadOnlyList<string> ExpandAll(IReadOnlyList<string> words, IReadOnlyDictionary<string, string> variables) =>
        words.Select(w => ExpandWord(w, variables)).ToArray();

    /// <summary>Rebuilds the source with expanded flag values (for flags Docker expands).</summary>
    protected InstructionSource WithExpandedFlags(IReadOnlyDictionary<string, string> variables, params string[] names)
    {
        if (!Flags.Any(f => f.Value is not null && names.Contains(f.Name, StringComparer.Ordinal)))
        {
            return Source;
        }

        var flags = Flags.Select(f => f.Value is not null && names.Contains(f.Name, StringComparer.Ordinal) ? f with { Value = ExpandWord(f.Value, variables) } : f).ToArray();
        return Source with { Flags = flags };
    }

    /// <summary>Collects the names for <see cref="ReferencedVariables"/>; the default scans <see cref="ExpandableTexts"/>.</summary>
    protected virtual HashSet<string> FindReferences()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var expander = Expander;
        foreach (var text in ExpandableTexts())
        {
            names.UnionWith(expander.FindReferences(text));
        }

        return names;
    }
}
