namespace LayerTools.Core.Build.Syntax;

/// <summary>A logical line split into its keyword, its leading <c>--flag</c> words and the rest of the arguments.</summary>
internal sealed record InstructionHeader(string Keyword, IReadOnlyList<string> FlagWords, string Rest);
