using LayerTools.Core.Build.Planning;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>A stage while it is being built: the image so far, its merged view, and the variables in scope.</summary>
internal sealed class StageState
{
    public StageState(PlannedStage planned, ImageState image, UnionView view, StageScope scope, StageCounter counter)
    {
        Planned = planned;
        Image = image;
        View = view;
        Scope = scope;
        Counter = counter;
    }

    /// <summary>The stage's steps in the build log.</summary>
    public StageCounter Counter { get; }

    public PlannedStage Planned { get; }

    public string Name => Planned.Stage.DisplayName;

    public ImageState Image { get; }

    public UnionView View { get; }

    public StageScope Scope { get; set; }

    /// <summary>Set at the first step that was not taken from the cache: every later step of the stage runs again.</summary>
    public bool Missed { get; set; }

    /// <summary>Whether CMD was set in this stage (an ENTRYPOINT then keeps it; otherwise it clears an inherited CMD).</summary>
    public bool CmdSet { get; set; }

    public int NextIndex { get; set; } = 1;
}
