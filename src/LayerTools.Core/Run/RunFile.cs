namespace LayerTools.Core.Run;

/// <summary>
/// A file the runtime places read-only inside the container for the command only (never part of
/// the layer), as BuildKit mounts a RUN heredoc script at /dev/pipes/&lt;name&gt;. The path must lie
/// under /dev, which is a fresh tmpfs in the container, so no path of the image is ever followed
/// to place it.
/// </summary>
internal sealed record RunFile(string Path, byte[] Content, int Mode = 0x1ED);
