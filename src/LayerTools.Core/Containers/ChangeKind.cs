namespace LayerTools.Core.Containers;

/// <summary>How a path of a container differs from its image (<c>docker diff</c>'s A, C and D).</summary>
public enum ChangeKind
{
    Added,
    Modified,
    Deleted,
}
