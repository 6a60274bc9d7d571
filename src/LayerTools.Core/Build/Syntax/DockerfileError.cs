namespace LayerTools.Core.Build.Syntax;

/// <summary>Creates the <c>DockerfileParseError</c> exceptions: every message starts with <c>file:line:</c>.</summary>
internal static class DockerfileError
{
    public const string ErrorId = "DockerfileParseError";

    public static LayerToolsException At(string file, int line, string message) =>
        new(ErrorId, ErrorKind.InvalidData, $"{file}:{line}: {message}", file);

    public static LayerToolsException At(SourceLocation location, string message) => At(location.File, location.StartLine, message);
}
