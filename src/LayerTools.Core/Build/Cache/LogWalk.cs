using System.Text.Json;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Where <see cref="StepInputLog"/>'s reading of a log is, token by token (the tokens may come a
/// buffer at a time): the top-level object, its "inputs" and "labels" objects, and what is skipped.
/// </summary>
internal sealed class LogWalk
{
    private int _depth;
    private int _skipTo = -1;
    private string _section = string.Empty;
    private string? _name;

    public bool Done { get; private set; }

    public bool HasInputs { get; private set; }

    /// <summary>Takes the token the reader is at; false when the log is not one this reads (not an object, or a value that is not text).</summary>
    public bool Next(ref Utf8JsonReader reader, Action<string, string, string> visit)
    {
        var token = reader.TokenType;
        if (_skipTo >= 0)
        {
            _depth += token is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : token is JsonTokenType.EndObject or JsonTokenType.EndArray ? -1 : 0;
            if (_depth == _skipTo)
            {
                _skipTo = -1;
                _name = null;
            }

            return true;
        }

        if (_depth == 0)
        {
            _depth = 1;
            return token == JsonTokenType.StartObject;
        }

        if (token == JsonTokenType.PropertyName)
        {
            _name = reader.GetString()!;
            return true;
        }

        if (token is JsonTokenType.EndObject)
        {
            _depth--;
            _section = string.Empty;
            Done = _depth == 0;
            return true;
        }

        var name = _name ?? throw new InvalidOperationException("A value without a name.");
        _name = null;
        switch (token)
        {
            case JsonTokenType.String:
                visit(_section, name, reader.GetString()!);
                return true;
            case JsonTokenType.StartObject when _depth == 1 && name is "inputs" or "labels":
                _depth = 2;
                _section = name;
                HasInputs |= name == "inputs";
                return true;
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                _skipTo = _depth;
                _depth++;
                return true;
            case JsonTokenType.Null:
                return true;
            default:
                return false;
        }
    }
}
