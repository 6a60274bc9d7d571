namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// A <c>key=value</c> pair of ENV or LABEL. Before <see cref="Instruction.Expand"/> both parts are
/// as written (quotes and escapes still in place); after it they are the final strings.
/// <see cref="Legacy"/> marks the old <c>ENV key value</c> form (no <c>=</c>).
/// </summary>
internal sealed record KeyValueArgument(string Key, string Value, bool Legacy = false)
{
    public override string ToString() => Legacy ? $"{Key} {Value}" : $"{Key}={Value}";
}
