using System.Runtime.InteropServices;

namespace LayerTools.Core.Oci;

/// <summary>The OCI platform names for the machine LayerTools runs on.</summary>
internal static class HostPlatform
{
    public static string Os => "linux";

    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        _ => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant(),
    };
}
