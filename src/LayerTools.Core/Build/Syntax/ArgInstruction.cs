namespace LayerTools.Core.Build.Syntax;

/// <summary><c>ARG name[=default] ...</c>: declares build arguments (global before the first FROM, else for the stage).</summary>
internal sealed class ArgInstruction : Instruction
{
    public ArgInstruction(InstructionSource source, IReadOnlyList<ArgDefinition> arguments)
        : base(source)
    {
        Arguments = arguments;
    }

    public override InstructionKind Kind => InstructionKind.Arg;

    public override bool SupportsExpansion => true;

    public IReadOnlyList<ArgDefinition> Arguments { get; }

    /// <summary>
    /// Expands names and defaults. Docker expands each default against the variables in scope
    /// including the ARGs declared earlier in the same instruction; this method expands against
    /// <paramref name="variables"/> only, so the builder should expand one definition at a time
    /// (see <see cref="ExpandDefault"/>).
    /// </summary>
    public override ArgInstruction Expand(IReadOnlyDictionary<string, string> variables) =>
        new(Source, Arguments.Select(a => new ArgDefinition(ExpandWord(a.Name, variables), ExpandOptional(a.DefaultValue, variables))).ToArray());

    /// <summary>The expanded default of one definition, or null when it has none.</summary>
    public string? ExpandDefault(ArgDefinition definition, IReadOnlyDictionary<string, string> variables) =>
        ExpandOptional(definition.DefaultValue, variables);

    /// <summary>The expanded name of one definition.</summary>
    public string ExpandName(ArgDefinition definition, IReadOnlyDictionary<string, string> variables) =>
        ExpandWord(definition.Name, variables);

    /// <summary>This instruction with its definitions replaced (e.g. by the values a build resolved).</summary>
    public ArgInstruction WithArguments(IReadOnlyList<ArgDefinition> arguments) => new(Source, arguments);

    protected override IEnumerable<string> ExpandableTexts() =>
        Arguments.SelectMany(a => a.DefaultValue is null ? new[] { a.Name } : new[] { a.Name, a.DefaultValue });
}
