namespace LayerTools.Core.Run;

/// <summary>One line a command printed, as it printed it (no line ending), and whether it came on stderr.</summary>
public sealed record RunOutputLine(string Text, bool IsError)
{
    public override string ToString() => Text;
}
