namespace LayerTools.Core;

/// <summary>Where a long operation stands; the module turns it into Write-Progress records (a child record per layer).</summary>
public sealed record OperationProgress(string Activity, string Status, int PercentComplete, bool IsChild = false, bool Completed = false);
