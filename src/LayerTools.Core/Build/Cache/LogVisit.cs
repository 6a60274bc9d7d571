namespace LayerTools.Core.Build.Cache;

/// <summary>A string member of the input log: its section ("inputs", "labels", or "" at the top level), name and value (valid only during the call).</summary>
internal delegate void LogVisit(string section, ReadOnlySpan<char> name, ReadOnlySpan<char> value);
