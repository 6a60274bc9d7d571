namespace LayerTools.Core.Build.Syntax;

/// <summary>One name of an ARG instruction, with its default value when one was written (<c>ARG name=default</c>).</summary>
internal sealed record ArgDefinition(string Name, string? DefaultValue)
{
    public override string ToString() => DefaultValue is null ? Name : $"{Name}={DefaultValue}";
}
