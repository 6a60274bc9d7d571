using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace LayerTools.Core.HostFs;

/// <summary>Lists a folder by its descriptor with getdents64(2): one string per entry, made once.</summary>
internal static class FolderListing
{
    // By number through syscall(2): glibc has a getdents64 wrapper only since 2.30 (RHEL 8 has 2.28).
    // Its number per architecture's table: the older tables each their own, the generic table (Arm64,
    // LoongArch64, RISC-V and every architecture added since) 61.
    private static long SysGetdents64 => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.Arm or Architecture.Armv6 => 217,
        Architecture.X86 or Architecture.S390x => 220,
        Architecture.Ppc64le => 202,
        _ => 61,
    };

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")]
    private static extern long SyscallGetdents64(long number, int fd, ref byte buffer, nuint count);

    /// <summary>
    /// The names in the folder open as <paramref name="fd"/> (getdents64 on that descriptor, in the
    /// kernel's order, without "." and ".."), each made into one string after <paramref name="prefix"/>
    /// (no string for the name alone); the errno in <paramref name="errno"/> when the listing failed (0 when it did not).
    /// </summary>
    public static List<string> ListNames(int fd, string prefix, out int errno)
    {
        var names = new List<string>();
        var buffer = ArrayPool<byte>.Shared.Rent(32768);
        var chars = new char[256];
        try
        {
            while (true)
            {
                var read = (int)SyscallGetdents64(SysGetdents64, fd, ref buffer[0], (nuint)buffer.Length);
                if (read <= 0)
                {
                    errno = read < 0 ? LinuxNative.LastErrno : 0;
                    return names;
                }

                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
                for (var at = 0; at < read;)
                {
                    var record = buffer.AsSpan(at, BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(at + 16)));
                    var name = record[19..];
                    name = name[..name.IndexOf((byte)0)];
                    at += record.Length;
                    if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                    {
                        continue;
                    }

                    if (chars.Length < name.Length)
                    {
                        chars = new char[name.Length];
                    }

                    names.Add(string.Concat(prefix, chars.AsSpan(0, Encoding.UTF8.GetChars(name, chars))));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
