using System.Text;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// Docker's word processor for Dockerfile variable substitution: <c>$V</c>, <c>${V}</c>,
/// <c>${V:-word}</c>, <c>${V-word}</c>, <c>${V:+word}</c>, <c>${V+word}</c>, <c>${V:?msg}</c>,
/// <c>${V?msg}</c>, <c>${V#pat}</c>, <c>${V##pat}</c>, <c>${V%pat}</c>, <c>${V%%pat}</c>,
/// <c>${V/pat/repl}</c>, <c>${V//pat/repl}</c>; single quotes stop expansion, double quotes do not;
/// the escape character (<c>\</c> or the one set by <c># escape=</c>) makes the next character literal.
/// Quotes are removed from the result. Immutable and thread-safe: the options are fixed at construction.
/// </summary>
internal sealed class VariableExpander
{
    private static readonly IReadOnlyDictionary<string, string> NoVariables = new Dictionary<string, string>();

    public VariableExpander(char escapeToken = '\\')
    {
        EscapeToken = escapeToken;
    }

    public char EscapeToken { get; }

    /// <summary>Keep quote characters in the result (used to find quoted heredoc words).</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the result.</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat quotes as ordinary characters (how heredoc bodies are expanded).</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>Leave references to unset variables as written instead of replacing them with "".</summary>
    public bool SkipUnsetVariables { get; init; }

    /// <summary>
    /// Expands one word (ENV value, COPY source, WORKDIR path...). Throws a
    /// <c>DockerfileParseError</c> (prefixed with <paramref name="where"/> when given) on bad syntax
    /// such as an unterminated quote or <c>${V:?}</c> with V unset; <paramref name="instruction"/>
    /// (e.g. <c>COPY</c>) is named in the message when given.
    /// </summary>
    public ExpansionResult Expand(string word, IReadOnlyDictionary<string, string>? variables, SourceLocation? where = null, string? instruction = null)
    {
        var state = new State(this, word, variables ?? NoVariables);
        try
        {
            var (value, words) = state.Process(-1, RawEscapes);
            return new ExpansionResult(value, words, state.Matched, state.Unmatched);
        }
        catch (FormatException ex)
        {
            var message = $"{(instruction is null ? string.Empty : instruction + ": ")}failed to process \"{word}\": {ex.Message}";
            throw where is null
                ? new LayerToolsException(DockerfileError.ErrorId, ErrorKind.InvalidData, message, word)
                : DockerfileError.At(where, message);
        }
    }

    /// <summary>Expands <paramref name="text"/> and splits it into words as the shell would (EXPOSE, heredoc detection).</summary>
    public IReadOnlyList<string> ExpandWords(string text, IReadOnlyDictionary<string, string>? variables, SourceLocation? where = null, string? instruction = null) =>
        Expand(text, variables, where, instruction).Words;

    /// <summary>
    /// The variable names <paramref name="text"/> refers to, found without an environment and
    /// without failing: a best effort on malformed text (what was seen before the error).
    /// </summary>
    public IReadOnlySet<string> FindReferences(string text)
    {
        var lenient = new VariableExpander(EscapeToken) { SkipUnsetVariables = true, SkipProcessQuotes = SkipProcessQuotes };
        var state = new State(lenient, text, NoVariables);
        try
        {
            state.Process(-1, false);
        }
        catch (FormatException)
        {
        }

        var all = new HashSet<string>(state.Matched, StringComparer.Ordinal);
        all.UnionWith(state.Unmatched);
        return all;
    }

    private sealed class State
    {
        private readonly VariableExpander _options;
        private readonly string _text;
        private readonly IReadOnlyDictionary<string, string> _variables;
        private int _pos;
        private bool _rawEscapes;

        public State(VariableExpander options, string text, IReadOnlyDictionary<string, string> variables)
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

            switch (ch)
            {
                case '-':
                    return !isSet || (nullIsUnset && value.Length == 0) ? word : value;
                case '+':
                    return !isSet || (nullIsUnset && value.Length == 0) ? string.Empty : word;
                case '?':
                    if (!isSet)
                    {
                        throw new FormatException($"{name}: {(word.Length > 0 ? word : "is not allowed to be unset")}");
                    }

                    if (nullIsUnset && value.Length == 0)
                    {
                        throw new FormatException($"{name}: {(word.Length > 0 ? word : "is not allowed to be empty")}");
                    }

                    return value;
                case '#' or '%':
                    {
                        var greedy = word.Length > 0 && word[0] == ch;
                        if (greedy)
                        {
                            word = word[1..];
                        }

                        return ch == '%' ? TrimSuffix(word, value, greedy) : TrimPrefix(word, value, greedy);
                    }

                default:
                    throw new FormatException($"unsupported modifier ({modifier}) in substitution");
            }
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

            var re = ShellPattern(pattern, greedy: true, anchored: false);
            if (all)
            {
                return re.Replace(value, replacement.Replace("$", "$$", StringComparison.Ordinal));
            }

            var m = re.Match(value);
            return m.Success ? string.Concat(value.AsSpan(0, m.Index), replacement, value.AsSpan(m.Index + m.Length)) : value;
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

        private static string TrimPrefix(string pattern, string value, bool greedy)
        {
            var m = ShellPattern(pattern, greedy, anchored: true).Match(value);
            return m.Success ? value[(m.Index + m.Length)..] : value;
        }

        private static string TrimSuffix(string pattern, string value, bool greedy)
        {
            var reversed = Reverse(pattern, keepEscapes: true);
            var trimmed = TrimPrefix(reversed, Reverse(value, keepEscapes: false), greedy);
            return Reverse(trimmed, keepEscapes: false);
        }

        private static string Reverse(string text, bool keepEscapes)
        {
            var output = new char[text.Length];
            var last = text.Length - 1;
            for (var i = 0; i <= last;)
            {
                if (keepEscapes && text[i] == '\\' && i != last)
                {
                    output[last - i - 1] = '\\';
                    output[last - i] = text[i + 1];
                    i += 2;
                }
                else
                {
                    output[last - i] = text[i];
                    i++;
                }
            }

            return new string(output);
        }

        private static Regex ShellPattern(string pattern, bool greedy, bool anchored)
        {
            var sb = new StringBuilder(anchored ? "^" : string.Empty);
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                switch (c)
                {
                    case '*':
                        sb.Append(greedy ? "(?s:.*)" : "(?s:.*?)");
                        break;
                    case '?':
                        sb.Append("(?s:.)");
                        break;
                    case '\\' when i + 1 < pattern.Length:
                        i++;
                        if (pattern[i] is '}' or '/')
                        {
                            sb.Append(Regex.Escape(pattern[i].ToString()));
                            break;
                        }

                        if (pattern[i] is not ('*' or '?' or '\\'))
                        {
                            throw new FormatException($"invalid pattern ({pattern}) in substitution: invalid escape '\\{pattern[i]}'");
                        }

                        sb.Append('\\').Append(pattern[i]);
                        break;
                    default:
                        sb.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            return new Regex(sb.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Collects words as the shell splits them: whitespace splits, except inside quotes or escaped.</summary>
    private sealed class WordSplitter
    {
        private readonly StringBuilder _buffer = new();
        private readonly List<string> _words = [];
        private bool _inWord;

        public void AddChar(char ch)
        {
            if (char.IsWhiteSpace(ch))
            {
                if (_inWord && _buffer.Length != 0)
                {
                    _words.Add(_buffer.ToString());
                    _buffer.Clear();
                    _inWord = false;
                }
            }
            else
            {
                AddRawChar(ch);
            }
        }

        public void AddRawChar(char ch)
        {
            _buffer.Append(ch);
            _inWord = true;
        }

        public void AddString(string text)
        {
            foreach (var ch in text)
            {
                AddChar(ch);
            }
        }

        public void AddRawString(string text)
        {
            _buffer.Append(text);
            _inWord = true;
        }

        public List<string> Finish()
        {
            if (_buffer.Length > 0)
            {
                _words.Add(_buffer.ToString());
                _buffer.Clear();
                _inWord = false;
            }

            return _words;
        }
    }
}
