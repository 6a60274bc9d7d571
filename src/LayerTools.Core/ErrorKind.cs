namespace LayerTools.Core;

/// <summary>What went wrong, in the words of PowerShell's ErrorCategory (mapped one to one by the module).</summary>
public enum ErrorKind
{
    NotSpecified,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ObjectNotFound,
    ResourceExists,
    ResourceUnavailable,
    SecurityError,
    LimitsExceeded,
    NotImplemented,
    ReadError,
    WriteError,
    OperationStopped,
}
