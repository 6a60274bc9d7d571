namespace LayerTools.Core.Build.Cache;

/// <summary>One input of a cache key: its name and value (hashed), and a label that only names it in a miss's explanation (a context file's path).</summary>
internal readonly record struct KeyInput(string Name, string? Value, string? Label = null);
