using System.Diagnostics;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Security;

/// <summary>
/// A container's upper directory holds the image's directories with the image's modes (/tmp is
/// 1777, an image may make any directory 0777): another user of the machine must not reach it, or
/// they could put files into the layer a root commit makes, read what was written into the
/// container, or change upper/ under a running LayerTools.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerFolderAccessTests
{
    [Fact]
    public void AnotherUserCannotWriteIntoAContainersWorldWritableDirectories()
    {
        using var t = new TempStore();
        Add(t);
        var view = Open(t, out _, "c");
        Write(view, "/tmp/mine", "root's"); // copies /tmp (mode 1777) up into upper/
        File.SetUnixFileMode(t.Parent, (UnixFileMode)0x1ED); // the folder above the store: 0755, as /var/lib is
        var planted = Path.Combine(view.UpperDir, "tmp", "planted");

        var (code, error) = AsNobody("/bin/sh", "-c", "echo injected > \"$0\"", planted);

        Assert.NotEqual(0, code);
        Assert.Contains("Permission denied", error, StringComparison.Ordinal);
        Assert.False(File.Exists(planted));
        Assert.DoesNotContain(view.Changes(), c => c.Path == "/tmp/planted");
    }

    private static (int Code, string Error) AsNobody(params string[] command)
    {
        var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--" }.Concat(command))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
