using System.Collections.ObjectModel;
using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Layers;

namespace LayerTools.Commands;

/// <summary>
/// Copies files between this machine and a container, like <c>docker cp</c>. With -ToContainer, -Path
/// names host files (wildcards and PowerShell paths work) and -Destination a container path; with
/// -FromContainer, -Path names container paths and -Destination a host path. Links inside the
/// container resolve inside its root only; host links are copied as links, never followed.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "ContainerItem", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(LayerFile), typeof(FileSystemInfo))]
public sealed class CopyContainerItemCommand : ContainerCmdlet
{
    /// <summary>What to copy: host paths with -ToContainer, container paths with -FromContainer.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Where to copy to: a container path with -ToContainer, a host path with -FromContainer. An existing directory receives the item under its own name.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Copy from this machine into the container.</summary>
    [Parameter]
    public SwitchParameter ToContainer { get; set; }

    /// <summary>Copy from the container to this machine.</summary>
    [Parameter]
    public SwitchParameter FromContainer { get; set; }

    /// <summary>Copies directories with everything beneath them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Writes what was copied: a LayerFile in the container, or the host file or folder.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Begin()
    {
        if (ToContainer.IsPresent == FromContainer.IsPresent)
        {
            throw new LayerToolsException("CopyDirectionMissing", ErrorKind.InvalidArgument, "Say which way to copy: -ToContainer (host -Path into the container) or -FromContainer (container -Path out to the host).", null);
        }
    }

    protected override void Process()
    {
        var (containers, key) = ResolveContainer();
        var view = containers.Open(key);
        if (ToContainer)
        {
            foreach (var path in Path)
            {
                foreach (var host in HostPaths(path))
                {
                    if (!ShouldProcess($"{host} → {view.Name}:{Destination}", "Copy into container"))
                    {
                        continue;
                    }

                    try
                    {
                        var written = ContainerCopy.ToContainer(view, host, Destination, Recurse);
                        WriteVerbose($"Copied {host} to {view.Name}:{written}.");
                        if (PassThru)
                        {
                            WriteObject(view.Stat(written));
                        }
                    }
                    catch (LayerToolsException ex)
                    {
                        WriteLayerError(ex, host);
                    }
                }
            }

            return;
        }

        var destination = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Destination);
        foreach (var path in Path)
        {
            if (!ShouldProcess($"{view.Name}:{path} → {destination}", "Copy from container"))
            {
                continue;
            }

            try
            {
                var written = ContainerCopy.FromContainer(view, path, destination, Recurse);
                WriteVerbose($"Copied {view.Name}:{path} to {written}.");
                if (PassThru)
                {
                    WriteObject(Directory.Exists(written) && !File.Exists(written) ? new DirectoryInfo(written) : new FileInfo(written));
                }
            }
            catch (LayerToolsException ex)
            {
                WriteLayerError(ex, path);
            }
        }
    }

    private IEnumerable<string> HostPaths(string path)
    {
        Collection<string> resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
        }
        catch (ItemNotFoundException ex)
        {
            WriteError(new ErrorRecord(ex, "PathNotFound", ErrorCategory.ObjectNotFound, path));
            yield break;
        }

        if (provider.Name != "FileSystem")
        {
            WriteError(ErrorRecords.Create("NotAFileSystemPath", ErrorKind.InvalidArgument, $"'{path}' is on the {provider.Name} provider; Copy-ContainerItem copies files of this machine's file system.", path));
            yield break;
        }

        foreach (var host in resolved)
        {
            yield return host;
        }
    }
}
