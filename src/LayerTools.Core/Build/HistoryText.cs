using System.Text;

namespace LayerTools.Core.Build;

/// <summary>The <c>created_by</c> text of a history record, as BuildKit writes it.</summary>
internal static class HistoryText
{
    public const string Comment = "buildkit.dockerfile.v0";

    /// <summary>Go's <c>%q</c> of a string slice: <c>["npm" "start"]</c>.</summary>
    public static string GoList(IEnumerable<string> values)
    {
        var sb = new StringBuilder("[");
        var first = true;
        foreach (var v in values)
        {
            if (!first)
            {
                sb.Append(' ');
            }

            first = false;
            sb.Append('"').Append(v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }

        return sb.Append(']').ToString();
    }

    public static string Run(IReadOnlyList<string> argv) => "RUN " + string.Join(' ', argv) + " # buildkit";

    /// <summary>An instruction's text without its keyword ("COPY package.json ." → "package.json .").</summary>
    public static string Arguments(Instruction instruction)
    {
        var text = instruction.Original.Trim();
        var space = text.IndexOfAny(new[] { ' ', '\t' });
        return space < 0 ? string.Empty : text[(space + 1)..].Trim();
    }
}
