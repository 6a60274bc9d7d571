using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace LayerTools;

/// <summary>
/// Runs when the module is imported: routes the YAML bridge, and only it, to LayerTools' own load
/// context. Nothing else happens at import, so that Import-Module stays fast.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private const string BridgeName = "LayerTools.Yaml";
    private static readonly object Gate = new();
    private static DependencyLoadContext? _context;

    public void OnImport()
    {
        lock (Gate)
        {
            if (_context is not null)
            {
                return;
            }

            var directory = Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies");
            _context = new DependencyLoadContext(directory);
            AssemblyLoadContext.Default.Resolving += ResolveBridge;
        }
    }

    private static Assembly? ResolveBridge(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == BridgeName ? _context?.LoadFromAssemblyName(name) : null;
}
