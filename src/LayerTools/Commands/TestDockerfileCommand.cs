using System.Management.Automation;
using LayerTools.Completion;
using LayerTools.Core;
using LayerTools.Core.Lint;

namespace LayerTools.Commands;

/// <summary>
/// Checks Dockerfiles against LayerTools' best-practice rules (LT001...) and writes one
/// DockerfileFinding per problem. With -Image, an image built from the Dockerfile, findings name the
/// layer each instruction made and the bytes involved. A Dockerfile that does not parse gets a
/// DockerfileParseError record (file:line) and the next one is checked.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "Dockerfile")]
[OutputType(typeof(DockerfileFinding))]
public sealed class TestDockerfileCommand : StoreCmdlet, IRegistryParameters
{
    /// <summary>The Dockerfile(s); ./Dockerfile by default. Wildcards allowed; binds FullName from Get-ChildItem.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = { "Dockerfile" };

    /// <summary>An image built from the Dockerfile, to ground findings in its layers.</summary>
    [Parameter]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(ImageReferenceCompleter))]
    public object? Image { get; set; }

    /// <summary>The build context folder for the .dockerignore rule; the Dockerfile's folder by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Context { get; set; }

    /// <summary>Only these rules (ids such as LT002, or rule names).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RuleIdCompleter))]
    public string[] Rule { get; set; } = Array.Empty<string>();

    /// <summary>Not these rules.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RuleIdCompleter))]
    public string[] ExcludeRule { get; set; } = Array.Empty<string>();

    /// <summary>The user and password (or token) for the registries this command reaches (fetching the remote layers of -Image to weigh them); wins over any saved credential, and is never saved.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Accept any certificate from the registries this command reaches.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    protected override bool OpensReadOnly => true;

    protected override void Begin()
    {
        foreach (var id in Rule.Concat(ExcludeRule))
        {
            if (LintRules.Find(id.Trim()) is null)
            {
                ThrowTerminatingError(ErrorRecords.Create(
                    "UnknownRuleId",
                    ErrorKind.InvalidArgument,
                    $"There is no rule '{id}'. The rules are {string.Join(", ", LintRules.All.Select(r => r.Id))}; Get-Help Test-Dockerfile -Full describes them.",
                    id));
            }
        }
    }

    protected override void Process()
    {
        ResolvedImage? image = null;
        if (Image is not null)
        {
            image = Resolve(Image);
        }

        var context = Context is null ? null : SessionState.Path.GetResolvedProviderPathFromPSPath(Context, out _).FirstOrDefault();
        foreach (var given in Path)
        {
            IReadOnlyList<string> files;
            try
            {
                files = SessionState.Path.GetResolvedProviderPathFromPSPath(given, out _).ToList();
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(new ErrorRecord(ex, "DockerfileNotFound", ErrorCategory.ObjectNotFound, given));
                continue;
            }

            foreach (var file in files)
            {
                CancellationToken.ThrowIfCancellationRequested();
                if (Directory.Exists(file))
                {
                    WriteError(ErrorRecords.Create("DockerfileNotFound", ErrorKind.InvalidArgument, $"'{file}' is a folder; give the Dockerfile inside it (Test-Dockerfile {System.IO.Path.Combine(given, "Dockerfile")}).", file));
                    continue;
                }

                WriteVerbose($"Checking {file}{(image is null ? string.Empty : " against the layers of " + image.Label)}.");
                IReadOnlyList<DockerfileFinding> findings;
                try
                {
                    findings = DockerfileLinter.CheckFile(file, new LintOptions
                    {
                        ContextPath = context,
                        Store = image?.Store,
                        Image = image?.Stored,
                        Rules = Rule,
                        ExcludeRules = ExcludeRule,
                    }, file, CancellationToken);
                }
                catch (LayerToolsException ex)
                {
                    WriteLayerError(ex, file);
                    continue;
                }

                foreach (var finding in findings)
                {
                    WriteObject(finding);
                }
            }
        }
    }
}
