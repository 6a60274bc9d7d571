using System.Collections;
using System.Globalization;
using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;
using LayerTools.Core.Run;

namespace LayerTools.Commands;

/// <summary>
/// Builds an image from a Dockerfile (or build.yaml) with a layer cache, as docker build does.
/// The build runs on a worker thread; its progress, RUN output and cache decisions come back to
/// the pipeline thread through a queue, so every Write* call happens where PowerShell wants it.
/// </summary>
[Cmdlet("Build", "LayeredImage")]
[OutputType(typeof(LayeredImage))]
public sealed class BuildLayeredImageCommand : StoreCmdlet, IRegistryParameters
{
    /// <summary>The user and password (or token) for the registries this command reaches (fetching the layers of an image still in its registry); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>The build context folder; the current folder by default.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Context", "PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = ".";

    /// <summary>The Dockerfile or build.yaml; &lt;context&gt;/Dockerfile by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? File { get; set; }

    /// <summary>Names for the image (name:tag).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public string[] Tag { get; set; } = Array.Empty<string>();

    /// <summary>Values for ARG, as --build-arg gives them.</summary>
    [Parameter]
    public Hashtable? BuildArg { get; set; }

    /// <summary>The stage to build; the last one by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(StageNameCompleter))]
    public string? Target { get; set; }

    /// <summary>Run every step, using no cached layer.</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    /// <summary>SOURCE_DATE_EPOCH for a reproducible build; $env:SOURCE_DATE_EPOCH by default.</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long SourceDateEpoch { get; set; } = -1;

    /// <summary>Labels added to the image.</summary>
    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>Secrets for RUN --mount=type=secret: id = path of a host file holding the value (as --secret id=...,src=...).</summary>
    [Parameter]
    public Hashtable? Secret { get; set; }

    /// <summary>Pull every FROM image from its registry again, even when the store has it (docker build --pull).</summary>
    [Parameter]
    public SwitchParameter Pull { get; set; }

    /// <summary>Images (in the store or in a registry) whose inline cache the build may use, as --cache-from.</summary>
    [Parameter]
    [ValidateNotNull]
    public string[] CacheFrom { get; set; } = Array.Empty<string>();

    /// <summary>Push every -Tag to its registry after the build (with the saved credentials).</summary>
    [Parameter]
    public SwitchParameter Push { get; set; }

    /// <summary>After the build, push a cache image holding every stage's steps and layers to this registry reference (as --cache-to type=registry), for -CacheFrom elsewhere.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CacheTo { get; set; }

    /// <summary>
    /// Which program runs RUN steps: Auto (runc, else crun; an error when neither is installed), Runc,
    /// Crun, or Unshare, util-linux unshare and chroot, which isolates less and runs only when named here.
    /// </summary>
    [Parameter]
    public ContainerRuntimeKind Runtime { get; set; } = ContainerRuntimeKind.Auto;

    /// <summary>Shows no build log at the console (as -InformationAction SilentlyContinue); -InformationVariable still captures it.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void Process()
    {
        var context = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        var file = File is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(File);
        var store = Store();
        var progress = NewProgress();
        var activity = "Building " + (Tag.Length > 0 ? Tag[0] : context);

        // The build log is shown at the console as Write-Host shows it (the PSHOST tag), unless the
        // caller asked for quiet or silenced the information stream; either way -InformationVariable captures it.
        var quiet = Quiet || (MyInvocation.BoundParameters.TryGetValue("InformationAction", out var action)
            && action is ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        string[] tags = quiet ? new[] { "BuildLog" } : new[] { "PSHOST", "BuildLog" };
        var buildArgs = ToDictionary(BuildArg, nameof(BuildArg));
        var labels = ToDictionary(Label, nameof(Label));
        var secrets = ToDictionary(Secret, nameof(Secret)).ToDictionary(kv => kv.Key, kv => SessionState.Path.GetUnresolvedProviderPathFromPSPath(kv.Value), StringComparer.Ordinal);
        var epoch = Epoch();
        BuildResult result;
        var pipelineFetcher = store.RemoteFetcher;
        var fetchProgress = NewProgress(100);
        try
        {
            result = RunOnWorker(write =>
            {
                // A step that reads a remote base's files fetches it on the build's thread: its progress and verbose output go through the pipeline thread.
                store.RemoteFetcher = RemoteFetcher(new Progress(write, fetchProgress.Report), message => write(() => WriteVerbose(message)));
                var options = new BuildOptions
                {
                    ContextPath = context,
                    File = file,
                    Tags = Tag,
                    BuildArgs = buildArgs,
                    Target = Target,
                    NoCache = NoCache,
                    Pull = Pull,
                    CacheFrom = CacheFrom,
                    InlineCache = Push || CacheFrom.Length > 0 || CacheTo is not null,
                    Runtime = Runtime,
                    SourceDateEpoch = epoch,
                    Labels = labels,
                    Secrets = secrets,
                    Progress = new Progress(write, p => progress.Report(p with { Activity = activity })),
                    Log = line => write(() => WriteInformation(quiet ? line : new HostInformationMessage { Message = line }, tags)),
                    LogShown = !quiet,
                    Verbose = message => write(() => WriteVerbose(message)),
                    StepCompleted = step => write(() => WriteVerbose($"{step.Stage}, line {step.Line}: {step.Instruction}: {(step.Cached ? "cached" : "not cached: " + step.CacheMissReason)} ({step.Duration.TotalSeconds:0.00}s)")),
                };
                return new ImageBuilder(store, options, CancellationToken).Build();
            });
        }
        finally
        {
            store.RemoteFetcher = pipelineFetcher;
            fetchProgress.Complete();
            progress.Complete();
        }

        var image = Catalog().Load(result.Image);
        var output = PSObject.AsPSObject(image);
        output.Properties.Add(new PSNoteProperty("BuildSteps", result.Steps.ToArray()));
        if (Push)
        {
            output.Properties.Add(new PSNoteProperty("Pushed", PushTags().ToArray()));
        }

        if (CacheTo is not null)
        {
            output.Properties.Add(new PSNoteProperty("CachePushed", PushCache(result.Cache, CacheTo)));
        }

        WriteObject(output);
    }

    /// <summary>Pushes every -Tag of the built image to the registry its name gives.</summary>
    private IEnumerable<PublishedImage> PushTags()
    {
        if (Tag.Length == 0)
        {
            throw new LayerToolsException("PushNeedsTag", ErrorKind.InvalidArgument, "-Push pushes the -Tag names; give at least one -Tag registry/repository:tag.", null);
        }

        var catalog = Catalog();
        var pushed = new List<PublishedImage>();
        foreach (var tag in Tag)
        {
            var destination = ImageReference.Parse(tag);
            var stored = catalog.Resolve(destination.ToString());
            using var client = RegistryAccess.Open(this, RegistryEndpoint.For(destination), SignIn);
            var progress = NewProgress();
            try
            {
                var published = ImagePusher.Push(catalog, stored, client, destination, progress, CancellationToken);
                WriteVerbose($"Pushed {published.Reference} ({published.Digest}): {published.Uploaded} blob(s) uploaded, {published.Mounted} mounted, {published.Existing} already there.");
                pushed.Add(published);
            }
            finally
            {
                progress.Complete();
                RegistryAccess.WriteNotes(this, client);
            }
        }

        return pushed;
    }

    /// <summary>Pushes the build's cache image (every stage's steps and layers) to <paramref name="reference"/>.</summary>
    private PublishedImage PushCache(CacheExport cache, string reference)
    {
        var destination = ImageReference.Parse(reference);
        using var client = RegistryAccess.Open(this, RegistryEndpoint.For(destination), SignIn);
        var progress = NewProgress();
        try
        {
            var published = RegistryCache.Push(Catalog(), cache, client, destination, progress, CancellationToken);
            WriteVerbose($"-CacheTo: pushed the cache {published.Reference} ({published.Digest}): {published.Uploaded} blob(s) uploaded, {published.Mounted} mounted, {published.Existing} already there.");
            return published;
        }
        finally
        {
            progress.Complete();
            RegistryAccess.WriteNotes(this, client);
        }
    }

    private long? Epoch()
    {
        if (SourceDateEpoch >= 0)
        {
            return SourceDateEpoch;
        }

        var fromEnv = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        return long.TryParse(fromEnv, NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : null;
    }

    private static Dictionary<string, string> ToDictionary(Hashtable? table, string parameter)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table is null)
        {
            return result;
        }

        foreach (DictionaryEntry e in table)
        {
            var key = LanguagePrimitives.ConvertTo<string>(e.Key);
            if (string.IsNullOrEmpty(key))
            {
                throw new LayerToolsException("InvalidBuildArgument", ErrorKind.InvalidArgument, $"-{parameter} has an empty name.", table);
            }

            result[key] = e.Value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(e.Value);
        }

        return result;
    }

    /// <summary>Hands progress from the build's thread to the pipeline thread.</summary>
    private sealed class Progress : IProgress<OperationProgress>
    {
        private readonly Action<Action> _write;
        private readonly Action<OperationProgress> _report;

        public Progress(Action<Action> write, Action<OperationProgress> report)
        {
            _write = write;
            _report = report;
        }

        public void Report(OperationProgress value) => _write(() => _report(value));
    }
}
