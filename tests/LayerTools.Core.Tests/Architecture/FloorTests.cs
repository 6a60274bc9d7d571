using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using static ArchUnitNET.Fluent.ArchRuleDefinition;
using static ArchUnitNET.Fluent.Slices.SliceRuleDefinition;

namespace LayerTools.Core.Tests.Architecture;

/// <summary>
/// The floors of LayerTools.Core (docs/architecture.md): each namespace uses only namespaces on the
/// floors below its own, never one beside it or above it, so no two namespaces depend on each other.
/// Dependencies are read from the compiled assembly (signatures, fields, method bodies), not from
/// using lines.
/// </summary>
public sealed class FloorTests
{
    private const string Core = "LayerTools.Core";

    /// <summary>Bottom first. Namespaces on one floor stand side by side and must not use each other.</summary>
    public static readonly string[][] Floors =
    [
        [Core],
        ["Digests"],
        ["Oci"],
        ["Tar"],
        ["HostFs"],
        ["Layers"],
        ["Store"],
        ["Union"],
        ["Files"],
        ["Images"],
        ["Interchange", "Snapshots"],
        ["Registry", "Run"],
        ["Build.Syntax", "Build.Context", "Build.Cache"],
        ["Build.Planning", "Build.Copy"],
        ["Build.Mounts"],
        ["Build.Steps"],
        ["Containers"],
        ["Analysis"],
        ["Lint"],
        ["Maintenance"],
    ];

    private static readonly Lazy<ArchUnitNET.Domain.Architecture> Assembly = new(() =>
        new ArchLoader().LoadAssemblies(typeof(LayerToolsException).Assembly).Build());

    private static string FullName(string ns) => ns == Core ? Core : Core + "." + ns;

    private static string Exactly(IEnumerable<string> namespaces) =>
        "^(" + string.Join("|", namespaces.Select(n => Regex.Escape(FullName(n)))) + ")$";

    /// <summary>Every floor's namespaces that the assembly holds (a floor may be named before its first type lands).</summary>
    public static TheoryData<string> Namespaces()
    {
        var present = Assembly.Value.Namespaces.Select(n => n.FullName).ToHashSet(StringComparer.Ordinal);
        return new(Floors.SelectMany(f => f).Where(n => present.Contains(FullName(n))));
    }

    [Theory]
    [MemberData(nameof(Namespaces))]
    public void A_namespace_uses_only_the_floors_below_its_own(string ns)
    {
        var floor = Array.FindIndex(Floors, f => f.Contains(ns));
        var notBelow = Floors.Skip(floor).SelectMany(f => f).Where(n => n != ns).ToList();
        var types = Types().That().ResideInNamespaceMatching(Exactly([ns]));
        types.Should().NotDependOnAny(Types().That().ResideInNamespaceMatching(Exactly(notBelow)))
            .Because($"{FullName(ns)} stands on floor {floor} and may use only the floors below it (docs/architecture.md)")
            .Check(Assembly.Value);
    }

    [Fact]
    public void No_two_namespaces_depend_on_each_other()
    {
        Slices().Matching(Core + ".(**)").Should().BeFreeOfCycles().Check(Assembly.Value);
    }

    [Fact]
    public void Every_namespace_of_the_core_has_a_floor()
    {
        var placed = Floors.SelectMany(f => f).Select(FullName).ToHashSet(StringComparer.Ordinal);
        var unplaced = Assembly.Value.Types
            .Select(t => t.Namespace.FullName)
            .Where(n => n.StartsWith(Core, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .Where(n => !placed.Contains(n))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(unplaced.Count == 0, "Namespaces with no floor in FloorTests.Floors and docs/architecture.md: " + string.Join(", ", unplaced));
    }
}
