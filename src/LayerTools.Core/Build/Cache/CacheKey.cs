using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LayerTools.Core.Build.Cache;

/// <summary>
/// Builds the cache key of one build step: the parent state (its ChainID and runtime config), the
/// instruction, and the step's inputs (file digests and metadata, the environment a RUN sees).
/// Never the absolute path of the context and never an mtime, so the same project in two folders,
/// or with touched files, shares the cache.
/// </summary>
internal sealed class CacheKey
{
    // The key's text is hashed as it is added (a COPY of 50,000 files adds 50,000 fields; the text
    // was once kept whole, then copied to a string and to UTF-8 before hashing).
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    // The inputs as added: one kept input, or a run of inputs that is made again when asked (a COPY's
    // files: 50,000 kept name and value strings were ~20 MB that only a miss's explanation reads).
    private readonly List<object> _parts = new();
    private readonly byte[] _buffer = new byte[16384];

    /// <summary>What a null value is hashed as.</summary>
    private const string NullValue = "\0null";
    private int _filled;
    private string? _digest;

    public CacheKey(string kind, string parentState)
    {
        Add("v", "1");
        Add("kind", kind);
        Add("parent", parentState);
    }

    /// <summary>Adds an input; <paramref name="label"/> (the context path of a file, say) only names it in a miss's explanation and is not part of the key.</summary>
    public CacheKey Add(string name, string? value, string? label = null)
    {
        _parts.Add(new KeyInput(name, value, label));
        Hash(name, value);
        return this;
    }

    /// <summary>Hashes one field as <see cref="Add"/> does, from spans (see <see cref="AddMany(Func{IEnumerable{KeyInput}}, Action{FieldSink})"/>).</summary>
    public delegate void FieldSink(ReadOnlySpan<char> name, ReadOnlySpan<char> value);

    /// <summary>
    /// Adds the inputs <paramref name="inputs"/> makes, hashed as they are made and not kept: the
    /// explanation of a miss and the input log ask <paramref name="inputs"/> for them again, so it must
    /// give the same inputs each time (as a COPY's files do once their digests are known), each name
    /// once and none that <see cref="Add"/> gives.
    /// </summary>
    public CacheKey AddMany(Func<IEnumerable<KeyInput>> inputs) => AddMany(inputs, field =>
    {
        foreach (var input in inputs())
        {
            field(input.Name, input.Value ?? NullValue);
        }
    });

    /// <summary>
    /// As <see cref="AddMany(Func{IEnumerable{KeyInput}})"/>, the fields hashed by <paramref name="hash"/>,
    /// which gives the sink the same names and values (none null) as <paramref name="inputs"/> would, in
    /// the same order, without making them into strings (a COPY's 50,000 files were 100,000 strings
    /// made, hashed and dropped on every build).
    /// </summary>
    public CacheKey AddMany(Func<IEnumerable<KeyInput>> inputs, Action<FieldSink> hash)
    {
        _parts.Add(inputs);
        hash(HashField);
        return this;
    }

    /// <summary>The inputs in the order they were added (those of <see cref="AddMany"/> made again), so a miss can be explained against the last build's.</summary>
    public IEnumerable<KeyInput> Inputs
    {
        get
        {
            foreach (var part in _parts)
            {
                if (part is KeyInput input)
                {
                    yield return input;
                    continue;
                }

                foreach (var made in ((Func<IEnumerable<KeyInput>>)part)())
                {
                    yield return made;
                }
            }
        }
    }

    /// <summary>The names <see cref="Add"/> was given more than once, with their values joined by newlines (as the input log keeps them).</summary>
    public IReadOnlyDictionary<string, string> Repeated()
    {
        var count = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in _parts.OfType<KeyInput>())
        {
            count[input.Name] = count.GetValueOrDefault(input.Name) + 1;
        }

        var joined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var input in _parts.OfType<KeyInput>().Where(i => count[i.Name] > 1))
        {
            joined[input.Name] = joined.TryGetValue(input.Name, out var before) ? before + "\n" + input.Value : input.Value ?? string.Empty;
        }

        return joined;
    }

    private void Hash(string name, string? value) => HashField(name, value ?? NullValue);

    private void HashField(ReadOnlySpan<char> name, ReadOnlySpan<char> v)
    {
        // Length-prefixed fields: no value can be read as the start of another.
        _digest = null;
        AppendNumber(name.Length);
        Append(":");
        Append(name);
        Append("=");
        AppendNumber(v.Length);
        Append(":");
        Append(v);
        Append("\n");
    }

    /// <summary>The key (computed once until another input is added: a step asks for it several times).</summary>
    public string Digest
    {
        get
        {
            if (_digest is null)
            {
                Flush();
                _digest = Digests.Digest.FromHash(_hash.GetCurrentHash());
            }

            return _digest;
        }
    }

    // The key's text goes through a buffer and is hashed a buffer at a time: a COPY of 50,000 files
    // once made eight small hash calls (and two number strings) per file.
    private void Append(ReadOnlySpan<char> text)
    {
        if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length - _filled)
        {
            Flush();
            if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length)
            {
                _hash.AppendData(Encoding.UTF8.GetBytes(text.ToArray()));
                return;
            }
        }

        _filled += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_filled));
    }

    private void AppendNumber(int n)
    {
        Span<char> digits = stackalloc char[11];
        n.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        Append(digits[..written]);
    }

    private void Flush()
    {
        _hash.AppendData(_buffer, 0, _filled);
        _filled = 0;
    }
}
