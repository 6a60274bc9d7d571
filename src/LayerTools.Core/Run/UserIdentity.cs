namespace LayerTools.Core.Run;

/// <summary>The numeric identity a command runs as.</summary>
internal sealed record UserIdentity(int Uid, int Gid, IReadOnlyList<int> AdditionalGids);
