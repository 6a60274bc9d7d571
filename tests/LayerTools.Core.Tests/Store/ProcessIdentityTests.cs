using System.Diagnostics;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Store;

public sealed class ProcessIdentityTests
{
    [Fact]
    public void ThisProcessIsAliveAndAnEndedOneOrAReusedPidIsNot()
    {
        Assert.True(ProcessIdentity.IsAlive(ProcessIdentity.Current));
        using var ended = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        ended.WaitForExit();
        Assert.False(ProcessIdentity.IsAlive($"p{ended.Id}-1"));
        var start = ProcessIdentity.Current[(ProcessIdentity.Current.IndexOf('-', StringComparison.Ordinal) + 1)..];
        Assert.False(ProcessIdentity.IsAlive($"p{Environment.ProcessId}-{ulong.Parse(start, System.Globalization.CultureInfo.InvariantCulture) + 1}"));
    }

    [Fact]
    public void TheNextLockRemovesATemporaryFileWhoseWriterIsGoneAndKeepsALiveWritersFile()
    {
        using var t = new TempStore();
        using var ended = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        ended.WaitForExit();
        var dead = Path.Combine(t.Store.TmpDir, $"index.json.{Guid.NewGuid():N}.p{ended.Id}-1.tmp");
        var live = Path.Combine(t.Store.TmpDir, $"index.json.{Guid.NewGuid():N}.{ProcessIdentity.Current}.tmp");
        File.WriteAllText(dead, "half");
        File.WriteAllText(live, "being written");
        Assert.Equal($"p{ended.Id}-1", ProcessIdentity.TokenIn(Path.GetFileName(dead)));

        using (LayerStore.Open(t.Root).Lock())
        {
        }

        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(live));
    }
}
