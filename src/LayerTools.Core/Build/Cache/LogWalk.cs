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
    private char[] _name = new char[256];
    private int _nameLength = -1;
    private char[] _value = new char[256];

    public bool Done { get; private set; }

    public bool HasInputs { get; private set; }

    /// <summary>Takes the token the reader is at; false when the log is not one this reads (not an object, or a value that is not text).</summary>
    public bool Next(ref Utf8JsonReader reader, LogVisit visit)
    {
        var token = reader.TokenType;
        if (_skipTo >= 0)
        {
            _depth += token is JsonTokenType.StartObject or JsonTokenType.StartArray ? 1 : token is JsonTokenType.EndObject or JsonTokenType.EndArray ? -1 : 0;
            if (_depth == _skipTo)
            {
                _skipTo = -1;
                _nameLength = -1;
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
            _nameLength = Copy(ref reader, ref _name);
            return true;
        }

        if (token is JsonTokenType.EndObject)
        {
            _depth--;
            _section = string.Empty;
            Done = _depth == 0;
            return true;
        }

        if (_nameLength < 0)
        {
            throw new InvalidOperationException("A value without a name.");
        }

        var name = _name.AsSpan(0, _nameLength);
        _nameLength = -1;
        switch (token)
        {
            case JsonTokenType.String:
                var length = Copy(ref reader, ref _value);
                visit(_section, name, _value.AsSpan(0, length));
                return true;
            case JsonTokenType.StartObject when _depth == 1 && (name is "inputs" || name is "labels"):
                _depth = 2;
                _section = name is "inputs" ? "inputs" : "labels";
                HasInputs |= name is "inputs";
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

    /// <summary>The token's text, unescaped, into <paramref name="chars"/> (grown when short): no string per name and value.</summary>
    private static int Copy(ref Utf8JsonReader reader, ref char[] chars)
    {
        // UTF-8 takes at least one byte per UTF-16 unit, and unescaping only shortens.
        var most = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (chars.Length < most)
        {
            chars = new char[most];
        }

        return reader.CopyString(chars);
    }
}
