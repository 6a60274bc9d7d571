using System.Text;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Lint;

/// <summary>
/// A rough reading of a RUN's shell text for the checker: the simple commands (split at <c>&amp;&amp;</c>,
/// <c>||</c>, <c>;</c>, <c>|</c>, <c>&amp;</c> and newlines outside quotes), each as its words with quotes
/// removed, leading <c>VAR=value</c> assignments and <c>sudo</c>/<c>env</c> dropped. Not a shell; good
/// enough to see which programs a RUN calls with which arguments.
/// </summary>
internal sealed class ShellCommands
{
    private ShellCommands(IReadOnlyList<IReadOnlyList<string>> commands) => Commands = commands;

    public IReadOnlyList<IReadOnlyList<string>> Commands { get; }

    public static ShellCommands Of(RunInstruction run)
    {
        var text = new StringBuilder(string.Join(' ', run.Command.Arguments));
        foreach (var doc in run.Command.Heredocs)
        {
            text.Append('\n').Append(doc.Content);
        }

        return Parse(text.ToString());
    }

    public static ShellCommands Parse(string text)
    {
        var commands = new List<IReadOnlyList<string>>();
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char quote = '\0';

        void EndWord()
        {
            if (inWord)
            {
                words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
        }

        void EndCommand()
        {
            EndWord();
            var cleaned = Clean(words);
            if (cleaned.Count > 0)
            {
                commands.Add(cleaned);
            }

            words = new List<string>();
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < text.Length)
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    inWord = true;
                    break;
                case '\\' when i + 1 < text.Length:
                    if (text[i + 1] is '\n' or '\r')
                    {
                        i++;
                        EndWord();
                    }
                    else
                    {
                        word.Append(text[++i]);
                        inWord = true;
                    }

                    break;
                case ';' or '|' or '&' or '\n' or '(' or ')' or '{' or '}':
                    EndCommand();
                    break;
                case '#' when !inWord:
                    while (i + 1 < text.Length && text[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                default:
                    if (char.IsWhiteSpace(c))
                    {
                        EndWord();
                    }
                    else
                    {
                        word.Append(c);
                        inWord = true;
                    }

                    break;
            }
        }

        EndCommand();
        return new ShellCommands(commands);
    }

    /// <summary>The commands whose program (file name, any folder dropped) is one of <paramref name="programs"/>.</summary>
    public IEnumerable<IReadOnlyList<string>> Calls(params string[] programs) =>
        Commands.Where(c => programs.Contains(Program(c), StringComparer.Ordinal));

    /// <summary>True when some command runs one of <paramref name="programs"/> with <paramref name="subcommand"/> among its arguments.</summary>
    public bool Calls(string[] programs, params string[] subcommands) =>
        Calls(programs).Any(c => c.Skip(1).Any(a => subcommands.Contains(a, StringComparer.Ordinal)));

    public static string Program(IReadOnlyList<string> command) => Path.GetFileName(command[0]);

    private static List<string> Clean(List<string> words)
    {
        var start = 0;
        while (start < words.Count)
        {
            var w = words[start];
            var eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && IsName(w[..eq]))
            {
                start++;
            }
            else if (w is "sudo" or "env" or "exec" or "time" or "then" or "do" or "else" or "if" or "while" or "!")
            {
                start++;
            }
            else
            {
                break;
            }
        }

        return words.Skip(start).ToList();
    }

    private static bool IsName(string s) => s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_') && s.All(c => char.IsLetterOrDigit(c) || c == '_');
}
