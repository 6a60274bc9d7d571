namespace LayerTools.Core.Tar;

/// <summary>The kind of a layer entry. Whiteout and OpaqueWhiteout are the OCI deletion markers, seen only in single layers.</summary>
public enum EntryType
{
    File,
    Directory,
    SymbolicLink,
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Whiteout,
    OpaqueWhiteout,
}
