namespace LayerTools.Core.Analysis;

/// <summary>What Compare-Layer looks at when a path exists on both sides (-Property).</summary>
public enum CompareProperty
{
    /// <summary>Existence, type and content (file digests): what a program reading the files would notice.</summary>
    Content,

    /// <summary>Existence, type, mode, uid, gid and symbolic link targets.</summary>
    Metadata,

    /// <summary>Everything Content and Metadata look at.</summary>
    All,
}
