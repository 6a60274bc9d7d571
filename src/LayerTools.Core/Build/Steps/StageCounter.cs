namespace LayerTools.Core.Build.Steps;

/// <summary>How many steps of a stage the build log shows, and how many have started (BuildKit's <c>[name i/total]</c>).</summary>
internal sealed class StageCounter
{
    public StageCounter(string? name, int total)
    {
        Name = name;
        Total = total;
    }

    /// <summary>The stage's name (<c>stage-N</c> when unnamed); null when the Dockerfile has one stage.</summary>
    public string? Name { get; }

    /// <summary>Grows when ONBUILD triggers of the base image add steps.</summary>
    public int Total { get; set; }

    public int Started { get; set; }
}
