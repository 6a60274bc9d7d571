using System.Diagnostics;
using System.Runtime.InteropServices;
using LayerTools.Core.Containers;
using LayerTools.Core.HostFs;
using LayerTools.Core.Tests.Run;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Security;

/// <summary>
/// A program in a mounted container (Mount-ContainerLayer) writes into the container's <c>upper/</c>
/// while LayerTools reads and writes it (the docker cp race, CVE-2018-15664): here a thread swaps a
/// directory of <c>upper/</c> with a symbolic link to a host folder, atomically and without pause.
/// Whatever LayerTools does to the container must never read, write, chmod or create anything in
/// that host folder.
/// </summary>
/// <remarks>Each test runs with openat2 and with the per-component walk that stands in for it on older kernels.</remarks>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(RunnerCollection.Name)]
public sealed class ContainerUpperRaceTests : IDisposable
{
    private const uint RenameExchange = 2;
    private static readonly TimeSpan RaceTime = TimeSpan.FromSeconds(1.5);

    public void Dispose() => SafeRoot.Openat2Override = null;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadsNeverFollowALinkSwappedIntoUpper(bool openat2)
    {
        SafeRoot.Openat2Override = openat2;
        using var race = new Race();
        race.Run(view =>
        {
            try
            {
                Assert.NotEqual("SECRET", Text(view, "/srv/d/f"));
                return true;
            }
            catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
            {
                // Refusing is fine; reading the host's file is not.
                return false;
            }
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WritesNeverFollowALinkSwappedIntoUpper(bool openat2)
    {
        SafeRoot.Openat2Override = openat2;
        using var race = new Race();
        var n = 0;
        race.Run(view =>
        {
            try
            {
                Write(view, "/srv/d/f", "PWNED");
                view.SetMode("/srv/d/f", 0x1FF);
                Write(view, "/srv/d/new" + n++, "PWNED");
                return true;
            }
            catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CopiesInNeverMoveAFileThroughALinkSwappedIntoUpper(bool openat2)
    {
        SafeRoot.Openat2Override = openat2;
        using var race = new Race();
        var file = Path.Combine(race.Parent, "pwned");
        File.WriteAllText(file, "PWNED");
        var n = 0;
        race.Run(view =>
        {
            try
            {
                // Over a file that is there (swapped in by rename), and as a new one (moved in by rename).
                ContainerCopy.ToContainer(view, file, "/srv/d/f", recurse: false);
                ContainerCopy.ToContainer(view, file, "/srv/d/new" + n++, recurse: false);
                return true;
            }
            catch (Exception ex) when (ex is LayerToolsException or IOException or UnauthorizedAccessException)
            {
                return false;
            }
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ListingsNeverShowAHostFolderSwappedIntoUpper(bool openat2)
    {
        SafeRoot.Openat2Override = openat2;
        using var race = new Race();
        race.Run(view =>
        {
            view.Refresh();
            Assert.DoesNotContain(view.Upper.Paths, p => p.EndsWith("/host-only", StringComparison.Ordinal));
            return true;
        });
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    private sealed class Race : IDisposable
    {
        private readonly TempStore _t = new();
        private readonly string _canary;
        private readonly ContainerView _view;

        public Race()
        {
            Add(_t);
            _view = Open(_t, out _);
            _view.CreateDirectory("/srv/d");
            Write(_view, "/srv/d/f", "inside");
            _canary = Path.Combine(_t.Parent, "canary");
            Directory.CreateDirectory(_canary);
            File.WriteAllText(Path.Combine(_canary, "f"), "SECRET");
            File.SetUnixFileMode(Path.Combine(_canary, "f"), (UnixFileMode)0x180);
            File.WriteAllText(Path.Combine(_canary, "host-only"), "SECRET");
            File.CreateSymbolicLink(Path.Combine(_view.UpperDir, "srv", "x"), _canary);
        }

        /// <summary>A host folder beside the store, outside the container.</summary>
        public string Parent => _t.Parent;

        public void Run(Func<ContainerView, bool> attempt)
        {
            var srv = Path.Combine(_view.UpperDir, "srv");
            using var stop = new CancellationTokenSource();
            var swaps = 0;
            var throttle = false;
            var swapper = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    if (renameat2(-100, Path.Combine(srv, "d"), -100, Path.Combine(srv, "x"), RenameExchange) == 0)
                    {
                        swaps++;
                    }

                    if (Volatile.Read(ref throttle))
                    {
                        Thread.Sleep(1);
                    }
                }
            });
            swapper.Start();
            var clock = Stopwatch.StartNew();
            var succeeded = 0;
            try
            {
                // Full speed for RaceTime; if no attempt got through by then (a busy machine can let the
                // swapper win every time), the swaps go on a millisecond apart until one does, so the
                // test always shows an operation racing the swaps and never reaching the host.
                while (clock.Elapsed < RaceTime || (succeeded == 0 && clock.Elapsed < RaceTime * 20))
                {
                    if (clock.Elapsed >= RaceTime)
                    {
                        Volatile.Write(ref throttle, true);
                    }

                    succeeded += attempt(_view) ? 1 : 0;
                }
            }
            finally
            {
                stop.Cancel();
                swapper.Join();
            }

            Assert.True(swaps > 0, "renameat2(RENAME_EXCHANGE) never succeeded: there was no race, so the test proves nothing.");
            Assert.True(succeeded > 0, "Every attempt was refused: the race never let the operation through, so the test proves nothing.");
            Assert.Equal(new[] { "f", "host-only" }, Directory.EnumerateFileSystemEntries(_canary).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Equal("SECRET", File.ReadAllText(Path.Combine(_canary, "f")));
            Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(Path.Combine(_canary, "f")));
        }

        public void Dispose() => _t.Dispose();
    }
}
