using System.Text.RegularExpressions;
using LayerTools.Core.Build.Steps;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Containers;

/// <summary>
/// The Dockerfile instructions <c>docker commit --change</c> accepts (CMD, ENTRYPOINT, ENV, LABEL,
/// EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD), applied to an image's runtime config. Each
/// change is read by the Dockerfile parser (as the line after a <c>FROM scratch</c>), expanded with
/// the image's environment as it stands after the changes before it, and applied by
/// <see cref="MetadataInstructions"/>, the code the builder uses: a change gives the config the same
/// instruction gives in a Dockerfile.
/// </summary>
internal static class ChangeInstructions
{
    public static readonly IReadOnlyList<string> Allowed = new[] { "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "STOPSIGNAL", "ONBUILD" };

    private const string SourceName = "change";

    private static readonly Regex Location = new("^" + SourceName + @":\d+: ", RegexOptions.CultureInvariant);

    public static void Apply(ImageState state, IEnumerable<string> instructions)
    {
        var cmdSet = false;
        foreach (var raw in instructions)
        {
            var instruction = Parse(raw);
            Instruction expanded;
            try
            {
                expanded = instruction.Expand(Variables(state));
            }
            catch (LayerToolsException ex) when (ex.ErrorId == DockerfileError.ErrorId)
            {
                throw Invalid(raw, Location.Replace(ex.Message, string.Empty), ex);
            }

            if (expanded is WorkdirInstruction workdir)
            {
                var path = workdir.Path.StartsWith('/') ? workdir.Path : state.WorkingDir.TrimEnd('/') + "/" + workdir.Path;
                state.WorkingDir = "/" + TarPath.CleanUnderRoot(path);
                continue;
            }

            if (MetadataInstructions.Apply(state, expanded, ref cmdSet) is null)
            {
                throw Invalid(raw, $"'{instruction.Keyword}' cannot be applied to a committed image");
            }
        }
    }

    /// <summary>Parses one change as the only instruction of a stage; refuses what docker commit refuses.</summary>
    private static Instruction Parse(string raw)
    {
        var text = (raw ?? string.Empty).Trim();
        var keyword = text.Split(new[] { ' ', '\t' }, 2)[0].ToUpperInvariant();
        if (!Allowed.Contains(keyword))
        {
            throw Invalid(raw ?? string.Empty, $"'{keyword}' cannot be applied to a committed image; use one of {string.Join(", ", Allowed)}");
        }

        if (text.Length == keyword.Length)
        {
            throw Invalid(raw!, $"{keyword} needs an argument");
        }

        Dockerfile file;
        try
        {
            file = DockerfileParser.Parse("FROM scratch\n" + text + "\n", SourceName);
        }
        catch (LayerToolsException ex) when (ex.ErrorId == DockerfileError.ErrorId)
        {
            throw Invalid(raw!, Location.Replace(ex.Message, string.Empty), ex);
        }

        if (file.Stages.Count != 1 || file.Stages[0].Instructions.Count != 1)
        {
            throw Invalid(raw!, "give one instruction per change");
        }

        return file.Stages[0].Instructions[0];
    }

    /// <summary>The variables a change is expanded with: the image's environment (a commit has no ARG).</summary>
    private static Dictionary<string, string> Variables(ImageState state)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in state.Env)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            variables[eq < 0 ? entry : entry[..eq]] = eq < 0 ? string.Empty : entry[(eq + 1)..];
        }

        return variables;
    }

    private static LayerToolsException Invalid(string instruction, string what, Exception? inner = null) =>
        new("InvalidChange", ErrorKind.InvalidArgument, $"Change '{instruction}': {what}.", instruction, inner);
}
