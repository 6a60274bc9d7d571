using System.Text.Json;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Layers;

/// <summary>
/// The entry index's serializer made at build time writes the very bytes the reflection serializer
/// wrote (indexes already in stores stay valid, and a layer's index is the same whoever made it) and
/// reads them back to the same entries.
/// </summary>
public sealed class LayerIndexJsonTests
{
    private static LayerIndex Sample()
    {
        var xattrs = new LayerEntry { Path = "usr/bin/ping", Type = EntryType.File, Mode = 0x9ED, Size = 72, ModifiedTime = 1_700_000_000, Digest = "sha256:" + new string('a', 64), Offset = 2048 };
        xattrs.EncodeXattrs(new Dictionary<string, byte[]> { ["security.capability"] = [1, 0, 0, 2, 0, 32], ["user.note"] = "é\n"u8.ToArray() });
        return new LayerIndex
        {
            DiffId = "sha256:" + new string('b', 64),
            Size = 10240,
            Entries =
            [
                new LayerEntry { Path = "usr", Type = EntryType.Directory, Mode = 0x1ED, Uid = 0, Gid = 0, ModifiedTime = -1, Offset = 512 },
                xattrs,
                new LayerEntry { Path = "usr/bin/sh", Type = EntryType.SymbolicLink, Mode = 0x1FF, LinkTarget = "busybox \"quoted\"", Offset = 3072 },
                new LayerEntry { Path = "dev/null", Type = EntryType.CharDevice, Mode = 0x1B6, DevMajor = 1, DevMinor = 3, Uid = 65534, Gid = 65534, Offset = 3584 },
                new LayerEntry { Path = "etc/gone", Type = EntryType.Whiteout, Offset = 4096 },
                new LayerEntry { Path = "var/cache", Type = EntryType.OpaqueWhiteout, Offset = 4608 },
            ],
        };
    }

    [Fact]
    public void TheGeneratedSerializerWritesWhatReflectionWrote()
    {
        var index = Sample();
        var reflection = JsonSerializer.SerializeToUtf8Bytes(index, new JsonSerializerOptions { WriteIndented = false });
        Assert.Equal(System.Text.Encoding.UTF8.GetString(reflection), System.Text.Encoding.UTF8.GetString(index.ToJson()));
    }

    [Fact]
    public void WhatReflectionWroteReadsBackToTheSameIndex()
    {
        var index = Sample();
        var reflection = JsonSerializer.SerializeToUtf8Bytes(index, new JsonSerializerOptions { WriteIndented = false });
        var read = LayerIndex.FromJson(new MemoryStream(reflection));
        Assert.Equal(index.DiffId, read.DiffId);
        Assert.Equal(index.Size, read.Size);
        Assert.Equal(index.FileCount, read.FileCount);
        Assert.Equal(reflection, read.ToJson());
        Assert.Equal(index.Entries[1].DecodeXattrs(), read.Entries[1].DecodeXattrs());
    }
}
