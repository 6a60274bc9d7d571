using LayerTools.Core.Analysis;

namespace LayerTools.Commands;

/// <summary>One side of Compare-Layer: the tree compared, and how a path inside it is addressed for the pipeline.</summary>
internal sealed record ComparisonSide(IFileTreeSource Source, Func<string, string> Address);
