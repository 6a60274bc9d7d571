namespace LayerTools.Core.Run;

/// <summary>The runtime itself failed before the command started (so another runtime may be tried).</summary>
internal sealed class RuntimeStartException : Exception
{
    public RuntimeStartException(string message)
        : base(message)
    {
    }
}
