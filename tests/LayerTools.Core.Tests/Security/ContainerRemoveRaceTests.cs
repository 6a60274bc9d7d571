using System.Diagnostics;
using System.Runtime.InteropServices;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Security;

/// <summary>
/// Removing a container whose upper directory a program still changes (a mount that Dismount could
/// only detach because a shell was still in it): directories of <c>upper/</c> are swapped with links
/// to a host folder while the folder is deleted. The host folder must lose nothing.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ContainerRemoveRaceTests
{
    private const uint RenameExchange = 2;
    private const int Pairs = 16;

    [Fact]
    public void RemovingAContainerNeverDeletesThroughALinkSwappedIntoUpper()
    {
        using var t = new TempStore();
        Add(t);
        var canary = Path.Combine(t.Parent, "canary");
        Directory.CreateDirectory(canary);
        for (var i = 0; i < 200; i++)
        {
            File.WriteAllText(Path.Combine(canary, "f" + i), "keep");
        }

        var clock = Stopwatch.StartNew();
        for (var round = 0; clock.Elapsed < TimeSpan.FromSeconds(1.5); round++)
        {
            var view = Open(t, out var containers, "c" + round);
            var srv = Path.Combine(view.UpperDir, "srv");
            for (var i = 0; i < Pairs; i++)
            {
                Directory.CreateDirectory(Path.Combine(srv, "d" + i));
                File.WriteAllText(Path.Combine(srv, "d" + i, "f"), "inside");
                File.CreateSymbolicLink(Path.Combine(srv, "x" + i), canary);
            }

            // The program holds the directory, not its name: Remove moves the container's folder first.
            var srvFd = LinuxNative.Openat(LinuxNative.AtFdCwd, srv, LinuxNative.ORdOnly | LinuxNative.ODirectory);
            Assert.True(srvFd >= 0);
            using var stop = new CancellationTokenSource();
            var swapper = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    for (var i = 0; i < Pairs; i++)
                    {
                        renameat2(srvFd, "d" + i, srvFd, "x" + i, RenameExchange);
                    }
                }
            });
            swapper.Start();
            try
            {
                containers.Remove("c" + round);
            }
            finally
            {
                stop.Cancel();
                swapper.Join();
                LinuxNative.Close(srvFd);
            }

            Assert.Equal(200, Directory.EnumerateFiles(canary).Count());
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
}
