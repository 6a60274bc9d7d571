using System.Text;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// One pass of <see cref="VariableExpander"/> over one text: reads it once, left to right, handling
/// quotes, escapes and <c>$</c> references as it goes, and records which variables it found set and unset.
/// </summary>
internal sealed class ExpansionScanner
{
    private readonly VariableExpander _options;
    private readonly string _text;
    private readonly IReadOnlyDictionary<string, string> _variables;
    private int _pos;
    private bool _rawEscapes;

    public ExpansionScanner(VariableExpander options, string text, IReadOnlyDictionary<string, string> variables)
    {
        _options = options;
        _text = text;
        _variables = variables;
        _rawEscapes = options.RawEscapes;
    }

    public HashSet<string> Matched { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Unmatched { get; } = new(StringComparer.Ordinal);

    private int Peek() => _pos < _text.Length ? _text[_pos] : -1;

    private int Next() => _pos < _text.Length ? _text[_pos++] : -1;

    public (string Value, List<string> Words) Process(int stop, bool rawEscapes)
    {
        var saved = _rawEscapes;
        _rawEscapes = rawEscapes;
        try
        {
            return ProcessCore(stop);
        }
        finally
        {
            _rawEscapes = saved;
        }
    }

    private (string Value, List<string> Words) ProcessCore(int stop)
    {
        var result = new StringBuilder();
        var words = new WordSplitter();
        while (Peek() != -1)
        {
            var ch = Peek();
            if (stop != -1 && ch == stop)
            {
                Next();
                return (result.ToString(), words.Finish());
            }

            string? piece = ch switch
            {
                '$' => ProcessDollar(),
                '<' => ProcessPossibleHeredoc(),
                '\'' when !_options.SkipProcessQuotes => ProcessSingleQuote(),
                '"' when !_options.SkipProcessQuotes => ProcessDoubleQuote(),
                _ => null,
            };
            if (piece is not null)
            {
                result.Append(piece);
                if (ch == '$')
                {
                    words.AddString(piece);
                }
                else
                {
                    words.AddRawString(piece);
                }

                continue;
            }

            ch = Next();
            if (ch == _options.EscapeToken)
            {
                if (_rawEscapes)
                {
                    words.AddRawChar((char)ch);
                    result.Append((char)ch);
                }

                ch = Next();
                if (ch == -1)
                {
                    break;
                }

                words.AddRawChar((char)ch);
            }
            else
            {
                words.AddChar((char)ch);
            }

            result.Append((char)ch);
        }

        if (stop != -1)
        {
            throw new FormatException($"unexpected end of statement while looking for matching {(char)stop}");
        }

        return (result.ToString(), words.Finish());
    }

    private string ProcessSingleQuote()
    {
        var result = new StringBuilder();
        var ch = Next();
        if (_options.RawQuotes)
        {
            result.Append((char)ch);
        }

        while (true)
        {
            ch = Next();
            if (ch == -1)
            {
                throw new FormatException("unexpected end of statement while looking for matching single-quote");
            }

            if (ch == '\'')
            {
                if (_options.RawQuotes)
                {
                    result.Append('\'');
                }

                return result.ToString();
            }

            result.Append((char)ch);
        }
    }

    private string ProcessDoubleQuote()
    {
        var result = new StringBuilder();
        var ch = Next();
        if (_options.RawQuotes)
        {
            result.Append((char)ch);
        }

        while (true)
        {
            switch (Peek())
            {
                case -1:
                    throw new FormatException("unexpected end of statement while looking for matching double-quote");
                case '"':
                    Next();
                    if (_options.RawQuotes)
                    {
                        result.Append('"');
                    }

                    return result.ToString();
                case '$':
                    result.Append(ProcessDollar());
                    break;
                default:
                    ch = Next();
                    if (ch == _options.EscapeToken)
                    {
                        if (_rawEscapes)
                        {
                            result.Append((char)ch);
                        }

                        var next = Peek();
                        if (next == -1)
                        {
                            continue;
                        }

                        if (next == '"' || next == '$' || next == _options.EscapeToken)
                        {
                            ch = Next();
                        }
                    }

                    result.Append((char)ch);
                    break;
            }
        }
    }

    private string ProcessPossibleHeredoc()
    {
        Next();
        if (Peek() != '<')
        {
            return "<";
        }

        Next();
        var sb = new StringBuilder("<<");
        while (Peek() is ' ' or '\t')
        {
            sb.Append((char)Next());
        }

        return sb.ToString();
    }

    private string ProcessDollar()
    {
        Next();
        if (Peek() != '{')
        {
            var simple = ProcessName();
            if (simple.Length == 0)
            {
                return "$";
            }

            var (v, found) = Lookup(simple);
            return !found && _options.SkipUnsetVariables ? "$" + simple : v;
        }

        Next();
        switch (Peek())
        {
            case -1:
                throw new FormatException("syntax error: missing '}'");
            case '{' or '}' or ':':
                throw new FormatException("syntax error: bad substitution");
        }

        var name = ProcessName();
        var ch = Next();
        var modifier = ch == -1 ? string.Empty : ((char)ch).ToString();
        var nullIsUnset = false;
        switch (ch)
        {
            case '}':
                {
                    var (v, set) = Lookup(name);
                    return !set && _options.SkipUnsetVariables ? "${" + name + "}" : v;
                }

            case '/':
                return ProcessReplace(name);
            case ':':
                nullIsUnset = true;
                ch = Next();
                modifier += ch == -1 ? string.Empty : ((char)ch).ToString();
                break;
            case '+' or '-' or '?' or '#' or '%':
                break;
            case -1:
                throw new FormatException("syntax error: missing '}'");
            default:
                throw new FormatException($"unsupported modifier ({modifier}) in substitution");
        }

        var trims = ch is '#' or '%';
        if (nullIsUnset && trims)
        {
            throw new FormatException($"unsupported modifier ({modifier}) in substitution");
        }

        string word;
        try
        {
            word = Process('}', trims).Value;
        }
        catch (FormatException) when (Peek() == -1)
        {
            throw new FormatException("syntax error: missing '}'");
        }

        var (value, isSet) = Lookup(name);
        if (_options.SkipUnsetVariables && !isSet)
        {
            return "${" + name + modifier + word + "}";
        }

        return SubstitutionModifiers.Apply((char)ch, nullIsUnset, name, value, isSet, word);
    }

    private string ProcessReplace(string name)
    {
        var all = Peek() == '/';
        if (all)
        {
            Next();
        }

        string pattern;
        string replacement;
        try
        {
            pattern = Process('/', true).Value;
        }
        catch (FormatException) when (Peek() == -1)
        {
            throw new FormatException("syntax error: missing '/' in ${}");
        }

        try
        {
            replacement = Process('}', true).Value;
        }
        catch (FormatException) when (Peek() == -1)
        {
            throw new FormatException("syntax error: missing '}'");
        }

        var (value, isSet) = Lookup(name);
        if (_options.SkipUnsetVariables && !isSet)
        {
            return "${" + name + "/" + pattern + "/" + replacement + "}";
        }

        return SubstitutionModifiers.Replace(value, pattern, replacement, all);
    }

    private string ProcessName()
    {
        var name = new StringBuilder();
        while (Peek() != -1)
        {
            var ch = (char)Peek();
            if (name.Length == 0 && char.IsDigit(ch))
            {
                while (Peek() != -1 && char.IsDigit((char)Peek()))
                {
                    name.Append((char)Next());
                }

                return name.ToString();
            }

            if (name.Length == 0 && ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
            {
                Next();
                return ch.ToString();
            }

            if (!char.IsLetterOrDigit(ch) && ch != '_')
            {
                break;
            }

            name.Append((char)Next());
        }

        return name.ToString();
    }

    private (string Value, bool Found) Lookup(string name)
    {
        if (_variables.TryGetValue(name, out var value))
        {
            Matched.Add(name);
            return (value, true);
        }

        Unmatched.Add(name);
        return (string.Empty, false);
    }
}
