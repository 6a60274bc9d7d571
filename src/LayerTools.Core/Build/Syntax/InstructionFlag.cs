namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// One <c>--name[=value]</c> flag of an instruction, as written (quotes removed, variables not expanded).
/// <see cref="Value"/> is null for a boolean flag written without <c>=</c>.
/// </summary>
internal sealed record InstructionFlag(string Name, string? Value)
{
    public override string ToString() => Value is null ? $"--{Name}" : $"--{Name}={Value}";
}
