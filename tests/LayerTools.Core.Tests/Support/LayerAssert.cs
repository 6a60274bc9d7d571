using LayerTools.Core.Layers;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Support;

internal static class LayerAssert
{
    /// <summary>Runs <paramref name="action"/> and asserts it fails with <paramref name="errorId"/>.</summary>
    public static LayerToolsException Throws(string errorId, Action action)
    {
        var ex = Assert.Throws<LayerToolsException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        return ex;
    }

    public static LayerIndex Index(byte[] tar, ILowerView? lower = null, IngestLimits? limits = null)
    {
        using var input = new MemoryStream(tar);
        return LayerIndexer.Ingest(input, Stream.Null, "test.tar", limits, lower);
    }
}
