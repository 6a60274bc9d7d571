using System.Management.Automation;
using LayerTools.Core;

namespace LayerTools;

/// <summary>Turns the core's failures into ErrorRecords: the stable error id, the category one to one from the kind, and the target.</summary>
internal static class ErrorRecords
{
    public static ErrorCategory CategoryOf(ErrorKind kind) => kind switch
    {
        ErrorKind.NotSpecified => ErrorCategory.NotSpecified,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.InvalidData => ErrorCategory.InvalidData,
        ErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        ErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        ErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.SecurityError => ErrorCategory.SecurityError,
        ErrorKind.LimitsExceeded => ErrorCategory.LimitsExceeded,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        ErrorKind.ReadError => ErrorCategory.ReadError,
        ErrorKind.WriteError => ErrorCategory.WriteError,
        ErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        _ => ErrorCategory.NotSpecified,
    };

    public static ErrorRecord From(LayerToolsException ex, object? fallbackTarget = null) =>
        new(ex, ex.ErrorId, CategoryOf(ex.Kind), ex.Target ?? fallbackTarget);

    public static ErrorRecord Create(string errorId, ErrorKind kind, string message, object? target) =>
        From(new LayerToolsException(errorId, kind, message, target));

    /// <summary>An I/O failure the core did not describe (a full disk, a permission): said plainly, with the path when there is one.</summary>
    public static ErrorRecord FromIO(Exception ex, object? target)
    {
        var (id, category) = ex switch
        {
            UnauthorizedAccessException => ("AccessDenied", ErrorCategory.PermissionDenied),
            FileNotFoundException or DirectoryNotFoundException => ("PathNotFound", ErrorCategory.ObjectNotFound),
            _ => ("IOError", ErrorCategory.WriteError),
        };
        return new ErrorRecord(ex, id, category, target);
    }
}
