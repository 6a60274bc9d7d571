using LayerTools.Core.Files;

namespace LayerTools.Commands;

/// <summary>One side of Compare-Layer: the tree compared, and how a path inside it is addressed for the pipeline.</summary>
internal sealed record ComparisonSide(IFileTree Tree, Func<string, string> Address);
