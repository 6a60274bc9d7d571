using System.Diagnostics;
using System.Text;
using LayerTools.Core.Digests;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Layers;

public sealed class LayerTarWriterTests
{
    private static readonly string LongDir = string.Join('/', Enumerable.Range(0, 30).Select(i => "dir" + i));

    private static byte[] Write(long? epoch = null)
    {
        using var ms = new MemoryStream();
        using (var w = new LayerTarWriter(ms, epoch))
        {
            w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000);
            w.AddWhiteout("app/old");
            w.AddFile("app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123, new MemoryStream(new byte[70_000]), 70_000);
            w.AddHardLink("app/big-link", "app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123);
            w.AddSymlink("app/link", "/" + LongDir + "/target", 0, 0, 1_700_000_000);
            w.AddFile("app/" + LongDir + "/f", 0x1ED, 3_000_000, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1, new Dictionary<string, string> { ["user.note"] = "kept" });
            w.AddFile("app/naïve", 0x1A4, 0, 0, 1_700_000_000, Stream.Null, 0);
            w.AddOpaque("var");
        }

        return ms.ToArray();
    }

    [Fact]
    public void TheSameInputsGiveTheSameBytes()
    {
        Assert.Equal(Digest.Of(Write()), Digest.Of(Write()));
    }

    [Fact]
    public void WhatItWritesIndexesBackWithEveryField()
    {
        var index = LayerAssert.Index(Write());
        Assert.Equal(
            new[] { "app", "app/old", "app/big.bin", "app/big-link", "app/link", "app/" + LongDir + "/f", "app/naïve", "var" },
            index.Entries.Select(e => e.Path));
        var f = index.Entries[5];
        Assert.Equal(3_000_000, f.Uid);
        Assert.Equal(EntryType.Whiteout, index.Entries[1].Type);
        Assert.Equal(EntryType.OpaqueWhiteout, index.Entries[7].Type);
        Assert.Equal("/" + LongDir + "/target", index.Entries[4].LinkTarget);
        Assert.Equal(Digest.Of(new byte[70_000]), index.Entries[3].Digest);
    }

    [Fact]
    public void PaxRecordsAppearOnlyWhereNeededAndNeverAtimeOrCtime()
    {
        var text = Encoding.Latin1.GetString(Write());
        Assert.DoesNotContain("atime=", text, StringComparison.Ordinal);
        Assert.DoesNotContain("ctime=", text, StringComparison.Ordinal);
        Assert.Contains("SCHILY.xattr.user.note=kept", text, StringComparison.Ordinal);
        Assert.Contains(" uid=3000000\n", text, StringComparison.Ordinal);
        // PAX headers for the long link (path= and linkpath=), the long path and the non-ASCII name; none for the rest.
        Assert.Equal(4, CountOf(text, "path="));
    }

    [Fact]
    public void MtimesAreClampedToSourceDateEpoch()
    {
        var index = LayerAssert.Index(Write(epoch: 1_600_000_000));
        Assert.All(index.Entries.Where(e => !e.IsWhiteout), e => Assert.Equal(1_600_000_000, e.ModifiedTime));
    }

    [Fact]
    public void GnuTarReadsIt()
    {
        var dir = Directory.CreateTempSubdirectory("lt-tar-");
        try
        {
            var file = Path.Combine(dir.FullName, "layer.tar");
            File.WriteAllBytes(file, Write());
            var psi = new ProcessStartInfo("tar", new[] { "-tvf", file }) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.Contains("app/big-link link to app/big.bin", output, StringComparison.Ordinal);
            Assert.Contains("app/.wh.old", output, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheIndexItBuildsWhileWritingEqualsTheIndexReadBack()
    {
        using var ms = new MemoryStream();
        LayerIndex built;
        using (var w = new LayerTarWriter(ms))
        {
            w.AddDirectory("app", 0x1ED, 0, 0, 1_700_000_000);
            w.AddWhiteout("app/old");
            w.AddFile("app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123, new MemoryStream(new byte[70_001]), 70_001);
            w.AddHardLink("app/big-link", "app/big.bin", 0x1A4, 1000, 1000, 1_700_000_123);
            w.AddFile("app/" + LongDir + "/f", 0x1ED, 3_000_000, 0, 1_700_000_000, new MemoryStream("x"u8.ToArray()), 1);
            w.AddFile("app/empty", 0x1A4, 0, 0, 1_700_000_000, Stream.Null, 0);
            w.AddOpaque("var");
            built = w.Finish();
        }

        var read = LayerAssert.Index(ms.ToArray());
        Assert.Equal(read.DiffId, built.DiffId);
        Assert.Equal(read.Size, built.Size);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(read.ToJson()), System.Text.Encoding.UTF8.GetString(built.ToJson()));
    }

    [Fact]
    public void AFileThatShrinksWhileCopiedFailsInsteadOfWritingALie()
    {
        using var ms = new MemoryStream();
        using var w = new LayerTarWriter(ms);
        LayerAssert.Throws("FileChangedWhileCopying", () => w.AddFile("f", 0x1A4, 0, 0, 0, new MemoryStream(new byte[10]), 20));
    }

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + 1, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
