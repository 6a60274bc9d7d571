namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// The outcome of expanding one word: the final text, and which variable names it looked up
/// (found in the environment or not). The cache uses <see cref="Referenced"/> to know which
/// ARG values a step depends on.
/// </summary>
internal sealed class ExpansionResult
{
    public ExpansionResult(string value, IReadOnlyList<string> words, IReadOnlySet<string> matched, IReadOnlySet<string> unmatched)
    {
        Value = value;
        Words = words;
        Matched = matched;
        Unmatched = unmatched;
    }

    /// <summary>The expanded text, quotes removed (unless the expander keeps them).</summary>
    public string Value { get; }

    /// <summary>The text split into words the way the shell would (quoted spaces do not split).</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>Names looked up and found.</summary>
    public IReadOnlySet<string> Matched { get; }

    /// <summary>Names looked up and not set.</summary>
    public IReadOnlySet<string> Unmatched { get; }

    /// <summary>Every name the text refers to.</summary>
    public IReadOnlySet<string> Referenced => new HashSet<string>(Matched.Concat(Unmatched), StringComparer.Ordinal);

    public override string ToString() => Value;
}
