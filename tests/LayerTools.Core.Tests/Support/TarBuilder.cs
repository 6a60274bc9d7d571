using System.Formats.Tar;
using System.Text;

namespace LayerTools.Core.Tests.Support;

/// <summary>Builds real tar streams entry by entry, including the malformed ones a crafted archive holds.</summary>
internal sealed class TarBuilder
{
    private readonly MemoryStream _stream = new();
    private readonly TarWriter _writer;
    private static readonly DateTimeOffset Epoch = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public TarBuilder(TarEntryFormat format = TarEntryFormat.Pax)
    {
        Format = format;
        _writer = new TarWriter(_stream, format, leaveOpen: true);
    }

    public TarEntryFormat Format { get; }

    public TarBuilder Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0)
    {
        var e = New(TarEntryType.Directory, name.EndsWith('/') ? name : name + "/");
        e.Mode = (UnixFileMode)mode;
        e.Uid = uid;
        e.Gid = gid;
        _writer.WriteEntry(e);
        return this;
    }

    public TarBuilder File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0) => File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid);

    public TarBuilder File(string name, byte[] content, int mode = 0x1A4, int uid = 0, int gid = 0)
    {
        var e = New(TarEntryType.RegularFile, name);
        e.Mode = (UnixFileMode)mode;
        e.Uid = uid;
        e.Gid = gid;
        e.DataStream = new MemoryStream(content);
        _writer.WriteEntry(e);
        return this;
    }

    public TarBuilder Symlink(string name, string target, int uid = 0, int gid = 0)
    {
        var e = New(TarEntryType.SymbolicLink, name);
        e.LinkName = target;
        e.Mode = (UnixFileMode)0x1FF;
        e.Uid = uid;
        e.Gid = gid;
        _writer.WriteEntry(e);
        return this;
    }

    public TarBuilder HardLink(string name, string target)
    {
        var e = New(TarEntryType.HardLink, name);
        e.LinkName = target;
        e.Mode = (UnixFileMode)0x1A4;
        _writer.WriteEntry(e);
        return this;
    }

    public TarBuilder Whiteout(string path)
    {
        var slash = path.LastIndexOf('/');
        var name = slash < 0 ? ".wh." + path : path[..(slash + 1)] + ".wh." + path[(slash + 1)..];
        return File(name, Array.Empty<byte>());
    }

    public TarBuilder Opaque(string dir) => File(dir.TrimEnd('/') + "/.wh..wh..opq", Array.Empty<byte>());

    public TarBuilder Entry(TarEntry entry)
    {
        _writer.WriteEntry(entry);
        return this;
    }

    public byte[] ToArray()
    {
        _writer.Dispose();
        return _stream.ToArray();
    }

    public MemoryStream ToStream() => new(ToArray());

    /// <summary>Writes the finished tar to a file (an archive to import).</summary>
    public void Save(string path) => System.IO.File.WriteAllBytes(path, ToArray());

    private TarEntry New(TarEntryType type, string name)
    {
        TarEntry e = Format switch
        {
            TarEntryFormat.Ustar => new UstarTarEntry(type, name),
            TarEntryFormat.Gnu => new GnuTarEntry(type, name),
            _ => new PaxTarEntry(type, name),
        };
        e.ModificationTime = Epoch;
        return e;
    }
}
