using System.Management.Automation;
using LayerTools.Core.Images;

namespace LayerTools.Commands;

/// <summary>Shows how an image was made, newest record first, like <c>docker history</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ImageHistory")]
[OutputType(typeof(HistoryEntry))]
public sealed class GetImageHistoryCommand : ImageCmdlet
{
    /// <summary>Reads only: no store is created where there is none.</summary>
    protected override bool OpensReadOnly => true;

    protected override void Process()
    {
        var image = ResolveImage();
        var history = image.Catalog.History(image.Stored);
        for (var i = history.Count - 1; i >= 0; i--)
        {
            WriteObject(history[i]);
        }
    }
}
