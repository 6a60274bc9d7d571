namespace LayerTools.Core;

/// <summary>
/// A failure the user can act on: a stable <see cref="ErrorId"/>, a kind that maps onto
/// PowerShell's ErrorCategory, and the object it concerns.
/// </summary>
public sealed class LayerToolsException : Exception
{
    public LayerToolsException(string errorId, ErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public ErrorKind Kind { get; }

    public object? Target { get; }
}
