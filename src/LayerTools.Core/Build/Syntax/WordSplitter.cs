using System.Text;

namespace LayerTools.Core.Build.Syntax;

/// <summary>Collects words as the shell splits them: whitespace splits, except inside quotes or escaped.</summary>
internal sealed class WordSplitter
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
