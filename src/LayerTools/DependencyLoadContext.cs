using System.Reflection;
using System.Runtime.Loader;

namespace LayerTools;

/// <summary>
/// LayerTools' own load context for the assemblies in Dependencies/ (the YAML bridge and YamlDotNet),
/// so that another module's YamlDotNet, of any version, never meets ours.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _directory;

    public DependencyLoadContext(string directory)
        : base("LayerTools.Dependencies", isCollectible: false)
    {
        _directory = directory;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        var path = Path.Combine(_directory, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
