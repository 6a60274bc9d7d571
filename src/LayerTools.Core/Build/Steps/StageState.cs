using LayerTools.Core.Build.Planning;
using LayerTools.Core.Layers;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// A stage while it is being built: the image so far, its merged view, and the variables in scope.
/// The view is made the first time a step reads the stage's files (COPY, RUN, WORKDIR, a --chown
/// name), so a stage whose steps read none never needs its base's layers, which may still be remote
/// layers in a registry.
/// </summary>
internal sealed class StageState
{
    private readonly Func<IReadOnlyList<string>, UnionView> _makeView;
    private UnionView? _view;

    public StageState(PlannedStage planned, ImageState image, Func<IReadOnlyList<string>, UnionView> makeView, StageScope scope, StageCounter counter)
    {
        Planned = planned;
        Image = image;
        _makeView = makeView;
        Scope = scope;
        Counter = counter;
    }

    /// <summary>The stage's steps in the build log.</summary>
    public StageCounter Counter { get; }

    public PlannedStage Planned { get; }

    public string Name => Planned.Stage.DisplayName;

    public ImageState Image { get; }

    /// <summary>The merged view of the stage's layers so far, made on first use.</summary>
    public UnionView View => _view ??= _makeView(Image.DiffIds);

    public StageScope Scope { get; set; }

    /// <summary>Set at the first step that was not taken from the cache: every later step of the stage runs again.</summary>
    public bool Missed { get; set; }

    /// <summary>Whether CMD was set in this stage (an ENTRYPOINT then keeps it; otherwise it clears an inherited CMD).</summary>
    public bool CmdSet { get; set; }

    public int NextIndex { get; set; } = 1;

    /// <summary>Lays a layer just added to <see cref="Image"/> on the view when a later step first looks into it (and with the rest when the view is made later).</summary>
    /// <remarks>A build whose last steps read no files (a one-file rebuild of a 50,000-file COPY, then CMD) never merges the new layer's entries into the view.</remarks>
    public void Applied(LayerIndex layer) => _view?.ApplyLater(() => layer);

    /// <summary>As <see cref="Applied"/>, the layer's index read only when the view is next looked into.</summary>
    public void AppliedLater(Func<LayerIndex> layer) => _view?.ApplyLater(layer);

    /// <summary>Whether a step has read the stage's files yet.</summary>
    public bool ViewMade => _view is not null;
}
