using System.Globalization;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Parsing;

/// <summary>HEALTHCHECK's arguments: <c>NONE</c>, or <c>CMD</c> with its command, durations and retries.</summary>
internal static class HealthcheckParser
{
    /// <summary>Builds HEALTHCHECK from its text after the keyword (flags already parsed into <paramref name="source"/>).</summary>
    public static HealthcheckInstruction Create(InstructionSource source, string rest)
    {
        var sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep]))
        {
            sep++;
        }

        if (sep == 0)
        {
            throw DockerfileError.At(source.Location, "HEALTHCHECK requires at least one argument");
        }

        var type = rest[..sep].ToUpperInvariant();
        var args = rest[sep..].TrimStart();
        if (type == "NONE")
        {
            if (args.Length != 0)
            {
                throw DockerfileError.At(source.Location, "HEALTHCHECK NONE takes no arguments");
            }

            return new HealthcheckInstruction(source, null, null, null, null, null, null);
        }

        if (type != "CMD")
        {
            throw DockerfileError.At(source.Location, $"HEALTHCHECK: unknown type \"{rest[..sep]}\" (try CMD)");
        }

        var command = DockerfileSyntax.ParseCommand(args, []);
        if (command.Arguments.Count == 0)
        {
            throw DockerfileError.At(source.Location, "Missing command after HEALTHCHECK CMD");
        }

        TimeSpan? Interval(string flag)
        {
            var value = source.Flags.LastOrDefault(f => f.Name == flag)?.Value;
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            if (!DockerfileSyntax.TryParseGoDuration(value, out var d))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: invalid duration \"{value}\" for --{flag} (write e.g. 30s, 1m30s, 500ms)");
            }

            if (d == TimeSpan.Zero)
            {
                return null;
            }

            if (d < TimeSpan.FromMilliseconds(1))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: interval \"--{flag}\" cannot be less than 1ms");
            }

            return d;
        }

        int? retries = null;
        if (source.Flags.LastOrDefault(f => f.Name == "retries")?.Value is { Length: > 0 } r)
        {
            if (!int.TryParse(r, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: invalid --retries value \"{r}\" (a whole number)");
            }

            if (n < 0)
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: --retries cannot be negative ({n})");
            }

            retries = n;
        }

        return new HealthcheckInstruction(source, command, Interval("interval"), Interval("timeout"), Interval("start-period"), Interval("start-interval"), retries);
    }
}
