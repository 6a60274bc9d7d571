namespace LayerTools.Core.Registry;

/// <summary>What a push did with one blob.</summary>
internal enum BlobOutcome
{
    /// <summary>Not sent yet.</summary>
    None,

    /// <summary>The repository had it (HEAD).</summary>
    Existing,

    /// <summary>Mounted from another repository of the registry.</summary>
    Mounted,

    /// <summary>Uploaded.</summary>
    Uploaded,
}
