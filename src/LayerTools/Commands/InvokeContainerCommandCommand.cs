using System.Collections;
using System.Management.Automation;
using LayerTools.Core;
using LayerTools.Core.Containers;

namespace LayerTools.Commands;

/// <summary>
/// Runs a program in a container (Linux, root), as a RUN step runs: in the container's union view with
/// the image's config, its writes landing in the container's writable layer. stdout comes to the
/// pipeline line by line as strings; stderr goes to the information stream, shown at the console as a
/// native program's stderr is; the exit code is in $LASTEXITCODE (and on the -PassThru result).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "ContainerCommand")]
[OutputType(typeof(string), typeof(ContainerCommandResult))]
public sealed class InvokeContainerCommandCommand : ContainerCmdlet
{
    /// <summary>The program and its arguments; none: the image's Entrypoint and Cmd.</summary>
    [Parameter(Position = 1, ValueFromRemainingArguments = true)]
    [Alias("ArgumentList")]
    public string[] Command { get; set; } = Array.Empty<string>();

    /// <summary>The user (name, uid, name:group or uid:gid); the image's User by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? User { get; set; }

    /// <summary>The folder in the container the program starts in; the image's WorkingDir by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? WorkingDirectory { get; set; }

    /// <summary>Variables set over the image's Env.</summary>
    [Parameter]
    [ValidateNotNull]
    public Hashtable? Environment { get; set; }

    /// <summary>stderr joins stdout on one pipe: every line comes to the pipeline, in the order the program wrote it.</summary>
    [Parameter]
    public SwitchParameter MergeStandardError { get; set; }

    /// <summary>Writes a ContainerCommandResult (exit code, runtime, duration) after the program's output.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void Process()
    {
        var (containers, key) = ResolveContainer();
        if (WorkingDirectory is { } wd && !wd.StartsWith('/'))
        {
            throw new LayerToolsException("InvalidWorkingDirectory", ErrorKind.InvalidArgument, $"-WorkingDirectory '{wd}' is not an absolute path in the container; start it with '/'.", wd);
        }

        var request = new ContainerCommandRequest
        {
            Command = Command,
            User = User,
            WorkingDirectory = WorkingDirectory,
            Environment = Variables(),
            MergeOutput = MergeStandardError,
        };

        // stderr shows at the console as Write-Host shows (the PSHOST tag), unless the caller silenced
        // the information stream; either way -InformationVariable captures it.
        var quiet = MyInvocation.BoundParameters.TryGetValue("InformationAction", out var action)
            && action is ActionPreference.SilentlyContinue or ActionPreference.Ignore;
        string[] tags = quiet ? new[] { "stderr" } : new[] { "PSHOST", "stderr" };
        var result = RunOnWorker(write => ContainerCommandRunner.Run(containers, key, request, line =>
        {
            if (line.IsError)
            {
                write(() => WriteInformation(quiet ? line.Text : new HostInformationMessage { Message = line.Text }, tags));
            }
            else
            {
                write(() => WriteObject(line.Text));
            }
        }, CancellationToken));

        SessionState.PSVariable.Set("global:LASTEXITCODE", result.ExitCode);
        if (result.ExitCode != 0 && SessionState.PSVariable.GetValue("PSNativeCommandUseErrorActionPreference") is true)
        {
            // As PowerShell does for a native program when $PSNativeCommandUseErrorActionPreference is set.
            WriteError(ErrorRecords.Create("ContainerCommandFailed", ErrorKind.InvalidOperation, $"The command in container '{result.Container}' exited with code {result.ExitCode}.", result));
        }

        if (PassThru)
        {
            WriteObject(result);
        }
    }

    private Dictionary<string, string> Variables()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment ?? new Hashtable())
        {
            result[LanguagePrimitives.ConvertTo<string>(e.Key)] = e.Value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(e.Value);
        }

        return result;
    }
}
