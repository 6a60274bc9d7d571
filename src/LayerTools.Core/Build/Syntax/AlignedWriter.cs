using System.Text;

namespace LayerTools.Core.Build.Syntax;

/// <summary>Writes each instruction on a given line when it can, padding with empty lines.</summary>
internal sealed class AlignedWriter
{
    private readonly StringBuilder _text = new();
    private int _line = 1;

    public void Write(int line, string instruction)
    {
        while (_line < line)
        {
            _text.Append('\n');
            _line++;
        }

        _text.Append(instruction).Append('\n');
        _line += instruction.Count(c => c == '\n') + 1;
    }

    public override string ToString() => _text.ToString();
}
