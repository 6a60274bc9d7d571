namespace LayerTools.Core.Build.Copy;

/// <summary>
/// Go's filepath.Match on '/'-separated paths, as COPY sources use it: '*' is any run of non-'/'
/// characters, '?' one non-'/' character, '[...]' a class with ranges and '^' negation, '\' escapes.
/// </summary>
internal static class PathMatch
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[\\") >= 0;

    public static bool IsMatch(string pattern, string name)
    {
        if (!TryMatch(pattern.AsSpan(), name.AsSpan(), out var matched))
        {
            throw new LayerToolsException("InvalidPattern", ErrorKind.InvalidArgument, $"'{pattern}' is not a valid file pattern.", pattern);
        }

        return matched;
    }

    private static bool TryMatch(ReadOnlySpan<char> p, ReadOnlySpan<char> s, out bool matched)
    {
        while (!p.IsEmpty)
        {
            var c = p[0];
            switch (c)
            {
                case '*':
                    while (!p.IsEmpty && p[0] == '*')
                    {
                        p = p[1..];
                    }

                    for (var i = 0; i <= s.Length; i++)
                    {
                        if (i > 0 && s[i - 1] == '/')
                        {
                            break;
                        }

                        if (!TryMatch(p, s[i..], out var m))
                        {
                            matched = false;
                            return false;
                        }

                        if (m)
                        {
                            matched = true;
                            return true;
                        }
                    }

                    matched = false;
                    return true;
                case '?':
                    if (s.IsEmpty || s[0] == '/')
                    {
                        matched = false;
                        return ValidRest(p[1..]);
                    }

                    p = p[1..];
                    s = s[1..];
                    break;
                case '[':
                    if (!TryClass(ref p, s.IsEmpty ? '\0' : s[0], out var inClass))
                    {
                        matched = false;
                        return false;
                    }

                    if (s.IsEmpty || s[0] == '/' || !inClass)
                    {
                        matched = false;
                        return ValidRest(p);
                    }

                    s = s[1..];
                    break;
                case '\\':
                    if (p.Length < 2)
                    {
                        matched = false;
                        return false;
                    }

                    if (s.IsEmpty || s[0] != p[1])
                    {
                        matched = false;
                        return ValidRest(p[2..]);
                    }

                    p = p[2..];
                    s = s[1..];
                    break;
                default:
                    if (s.IsEmpty || s[0] != c)
                    {
                        matched = false;
                        return ValidRest(p[1..]);
                    }

                    p = p[1..];
                    s = s[1..];
                    break;
            }
        }

        matched = s.IsEmpty;
        return true;
    }

    /// <summary>Reads a class at the start of <paramref name="p"/> and says whether <paramref name="ch"/> is in it.</summary>
    private static bool TryClass(ref ReadOnlySpan<char> p, char ch, out bool inClass)
    {
        inClass = false;
        var i = 1;
        var negate = i < p.Length && p[i] == '^';
        if (negate)
        {
            i++;
        }

        var first = true;
        while (true)
        {
            if (i >= p.Length)
            {
                return false;
            }

            if (p[i] == ']' && !first)
            {
                i++;
                break;
            }

            first = false;
            if (!TryClassChar(p, ref i, out var lo))
            {
                return false;
            }

            var hi = lo;
            if (i < p.Length && p[i] == '-' && i + 1 < p.Length && p[i + 1] != ']')
            {
                i++;
                if (!TryClassChar(p, ref i, out hi))
                {
                    return false;
                }
            }

            if (lo <= ch && ch <= hi)
            {
                inClass = true;
            }
        }

        inClass ^= negate;
        p = p[i..];
        return true;
    }

    private static bool TryClassChar(ReadOnlySpan<char> p, ref int i, out char c)
    {
        c = p[i];
        if (c == '\\')
        {
            if (i + 1 >= p.Length)
            {
                return false;
            }

            c = p[i + 1];
            i += 2;
            return true;
        }

        // Go refuses an unescaped '-' or ']' where a class character belongs.
        i++;
        return c is not ('-' or ']');
    }

    /// <summary>Go reports a bad pattern even after a mismatch; check what is left is well formed.</summary>
    private static bool ValidRest(ReadOnlySpan<char> p)
    {
        while (!p.IsEmpty)
        {
            if (p[0] == '\\')
            {
                if (p.Length < 2)
                {
                    return false;
                }

                p = p[2..];
            }
            else if (p[0] == '[')
            {
                if (!TryClass(ref p, '\0', out _))
                {
                    return false;
                }
            }
            else
            {
                p = p[1..];
            }
        }

        return true;
    }
}
