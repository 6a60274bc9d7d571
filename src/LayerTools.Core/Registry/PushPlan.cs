namespace LayerTools.Core.Registry;

/// <summary>
/// What a push sends (<see cref="Transfers"/>, config first) and how its manifest is made once they
/// are sent: <see cref="Complete"/> takes the compressed form each layer compressed on the way got
/// (by DiffID) and gives the manifest's bytes, its media type, and the size of each blob it names.
/// </summary>
internal sealed record PushPlan(
    IReadOnlyList<PushTransfer> Transfers,
    string ConfigDigest,
    Func<IReadOnlyDictionary<string, Oci.Descriptor>, (byte[] Manifest, string MediaType, IReadOnlyList<long> Sizes)> Complete);
