namespace LayerTools.Core.Lint;

/// <summary>How much a Dockerfile finding matters.</summary>
public enum FindingSeverity
{
    /// <summary>A style or cache hint.</summary>
    Info,

    /// <summary>Makes images larger or builds slower than they need to be.</summary>
    Warning,

    /// <summary>Leaks data or is almost certainly a mistake.</summary>
    Error,
}
