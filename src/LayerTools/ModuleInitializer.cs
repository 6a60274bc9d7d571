using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace LayerTools;

/// <summary>
/// Runs when the module is imported: routes the YAML bridge, and only it, to LayerTools' own load
/// context. The import only subscribes the handler; the context itself is made the first time the
/// bridge is asked for (a build.yaml), so a session that never reads one never makes it, and
/// Import-Module stays fast.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private const string BridgeName = "LayerTools.Yaml";
    private static readonly object Gate = new();
    private static readonly Lazy<DependencyLoadContext> BridgeContext = new(() =>
        new DependencyLoadContext(Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies")));

    private static bool _subscribed;

    public void OnImport()
    {
        lock (Gate)
        {
            if (_subscribed)
            {
                return;
            }

            AssemblyLoadContext.Default.Resolving += ResolveBridge;
            _subscribed = true;
        }
    }

    private static Assembly? ResolveBridge(AssemblyLoadContext context, AssemblyName name) =>
        name.Name == BridgeName ? BridgeContext.Value.LoadFromAssemblyName(name) : null;
}
