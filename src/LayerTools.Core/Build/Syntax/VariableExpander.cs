namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Docker's word processor for Dockerfile variable substitution: <c>$V</c>, <c>${V}</c>,
/// <c>${V:-word}</c>, <c>${V-word}</c>, <c>${V:+word}</c>, <c>${V+word}</c>, <c>${V:?msg}</c>,
/// <c>${V?msg}</c>, <c>${V#pat}</c>, <c>${V##pat}</c>, <c>${V%pat}</c>, <c>${V%%pat}</c>,
/// <c>${V/pat/repl}</c>, <c>${V//pat/repl}</c>; single quotes stop expansion, double quotes do not;
/// the escape character (<c>\</c> or the one set by <c># escape=</c>) makes the next character literal.
/// Quotes are removed from the result. Immutable and thread-safe: the options are fixed at construction.
/// </summary>
internal sealed class VariableExpander
{
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    public VariableExpander(char escapeToken = '\\')
    {
        EscapeToken = escapeToken;
    }

    public char EscapeToken { get; }

    /// <summary>Keep quote characters in the result (used to find quoted heredoc words).</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the result.</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat quotes as ordinary characters (how heredoc bodies are expanded).</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Leave references to unset variables as written instead of replacing them with "".</summary>
    public bool SkipUnsetVariables { get; init; }

    /// <summary>
    /// Expands one word (ENV value, COPY source, WORKDIR path...). Throws a
    /// <c>DockerfileParseError</c> (prefixed with <paramref name="where"/> when given) on bad syntax
    /// such as an unterminated quote or <c>${V:?}</c> with V unset; <paramref name="instruction"/>
    /// (e.g. <c>COPY</c>) is named in the message when given.
    /// </summary>
    public ExpansionResult Expand(string word, IReadOnlyDictionary<string, string>? variables, SourceLocation? where = null, string? instruction = null)
    {
        var state = new ExpansionScanner(this, word, variables ?? NoVariables);
        try
        {
            var (value, words) = state.Process(-1, RawEscapes);
            return new ExpansionResult(value, words, state.Matched, state.Unmatched);
        }
        catch (FormatException ex)
        {
            var message = $"{(instruction is null ? string.Empty : instruction + ": ")}failed to process \"{word}\": {ex.Message}";
            throw where is null
                ? new LayerToolsException(DockerfileError.ErrorId, ErrorKind.InvalidData, message, word)
                : DockerfileError.At(where, message);
        }
    }

    /// <summary>Expands <paramref name="text"/> and splits it into words as the shell would (EXPOSE, heredoc detection).</summary>
    public IReadOnlyList<string> ExpandWords(string text, IReadOnlyDictionary<string, string>? variables, SourceLocation? where = null, string? instruction = null) =>
        Expand(text, variables, where, instruction).Words;

    /// <summary>
    /// The variable names <paramref name="text"/> refers to, found without an environment and
    /// without failing: a best effort on malformed text (what was seen before the error).
    /// </summary>
    public IReadOnlySet<string> FindReferences(string text)
    {
        var lenient = new VariableExpander(EscapeToken) { SkipUnsetVariables = true, SkipProcessQuotes = SkipProcessQuotes };
        var state = new ExpansionScanner(lenient, text, NoVariables);
        try
        {
            state.Process(-1, false);
        }
        catch (FormatException)
        {
        }

        var all = new HashSet<string>(state.Matched, StringComparer.Ordinal);
        all.UnionWith(state.Unmatched);
        return all;
    }
}
