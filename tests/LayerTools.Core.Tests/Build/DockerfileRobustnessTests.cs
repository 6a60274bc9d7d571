using System.Text;
using LayerTools.Core.Build.Context;
using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

/// <summary>Mutated and random Dockerfiles and .dockerignore files: the only failure allowed is a LayerToolsException.</summary>
public class DockerfileRobustnessTests
{
    private const string Alphabet = "\\`\"'${}[]<>-=#:,/*?!^ \t\r\n\n\nRUNCOPYFROMENVARGONBUILDHEALTHCHECKSHELLEOFaz09\0\uFEFF\uD800é";

    private static readonly string[] Seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Build", "Corpus"), "*.Dockerfile")
        .Order(StringComparer.Ordinal)
        .Select(File.ReadAllText)
        .ToArray();

    [Fact]
    public void Mutated_dockerfiles_never_crash_the_parser_expander_or_planner()
    {
        var random = new Random(20261127);
        var parsed = 0;
        for (var iteration = 0; iteration < 4000; iteration++)
        {
            var text = Mutate(Seeds[random.Next(Seeds.Length)], random, 1 + random.Next(6));
            if (Exercise(text))
            {
                parsed++;
            }
        }

        // The mutations must leave some files valid, or the expander and planner paths were never reached.
        Assert.InRange(parsed, 200, 4000);
    }

    [Fact]
    public void Random_text_never_crashes_the_parser()
    {
        var random = new Random(7);
        for (var iteration = 0; iteration < 1500; iteration++)
        {
            var sb = new StringBuilder(random.Next(4) == 0 ? "FROM scratch\n" : string.Empty);
            var length = random.Next(200);
            for (var i = 0; i < length; i++)
            {
                sb.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            Exercise(sb.ToString());
        }
    }

    [Fact]
    public void Random_dockerignore_files_never_crash_the_matcher()
    {
        var random = new Random(11);
        string[] paths = ["a", "a/b", "docs/README.md", "x.go", "dir/sub/file.txt", "[", "*", "é/ü"];
        for (var iteration = 0; iteration < 1500; iteration++)
        {
            var sb = new StringBuilder();
            var length = random.Next(60);
            for (var i = 0; i < length; i++)
            {
                sb.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            try
            {
                var matcher = DockerignoreMatcher.Parse(sb.ToString());
                foreach (var path in paths)
                {
                    matcher.IsExcluded(path);
                    matcher.CanSkipDirectory(path);
                }
            }
            catch (LayerToolsException ex)
            {
                Assert.Equal("DockerignoreParseError", ex.ErrorId);
            }
        }
    }

    [Theory]
    [InlineData("[]^-\\*?!/az09.\n")]
    [InlineData("${}:-+?#%/'\"\\`$ab1 \t")]
    public void Random_globs_and_substitutions_never_crash(string alphabet)
    {
        var random = new Random(alphabet.Length);
        var env = new Dictionary<string, string> { ["a"] = "x.y.z", ["b"] = string.Empty, ["ab1"] = "[a-z]*" };
        string[] paths = ["a", "a/b", "a-b/c", "[", "^", "z/0.9"];
        for (var iteration = 0; iteration < 4000; iteration++)
        {
            var chars = new char[random.Next(1, 16)];
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            try
            {
                var matcher = DockerignoreMatcher.Parse(text);
                foreach (var path in paths)
                {
                    matcher.IsExcluded(path);
                    matcher.CanSkipDirectory(path);
                }
            }
            catch (LayerToolsException ex)
            {
                Assert.Equal("DockerignoreParseError", ex.ErrorId);
            }

            foreach (var escape in new[] { '\\', '`' })
            {
                var expander = new VariableExpander(escape);
                expander.FindReferences(text);
                try
                {
                    expander.Expand(text, env);
                    expander.ExpandWords(text, env);
                }
                catch (LayerToolsException ex)
                {
                    Assert.Equal("DockerfileParseError", ex.ErrorId);
                }
            }
        }
    }

    private static bool Exercise(string text)
    {
        try
        {
            var df = DockerfileParser.Parse(text, "fuzz");
            var vars = new Dictionary<string, string> { ["A"] = "1", ["BASE"] = "alpine", ["NAME"] = "x" };
            foreach (var instruction in df.Instructions)
            {
                _ = instruction.ReferencedVariables;
                if (instruction is RunInstruction run)
                {
                    run.ToInvocation(["/bin/sh", "-c"]);
                }

                if (instruction is OnbuildInstruction onbuild)
                {
                    try
                    {
                        DockerfileParser.ParseTriggers([onbuild.Expression], "fuzz");
                    }
                    catch (LayerToolsException ex)
                    {
                        Assert.Equal("DockerfileParseError", ex.ErrorId);
                    }
                }

                try
                {
                    instruction.Expand(vars);
                }
                catch (LayerToolsException ex)
                {
                    Assert.Equal("DockerfileParseError", ex.ErrorId);
                }
            }

            try
            {
                StagePlanner.Plan(df, null, vars);
            }
            catch (LayerToolsException ex)
            {
                Assert.Contains(ex.ErrorId, new[] { "DockerfileParseError", "BuildTargetNotFound" });
            }

            return true;
        }
        catch (LayerToolsException ex)
        {
            Assert.Equal("DockerfileParseError", ex.ErrorId);
            Assert.StartsWith("fuzz:", ex.Message, StringComparison.Ordinal);

            // The parser's last-resort net (an internal exception turned into a parse error) must never be needed.
            Assert.False(ex.Message.Contains("cannot parse the Dockerfile", StringComparison.Ordinal), $"{ex.InnerException}\n--- input ---\n{text}");
            return false;
        }
    }

    private static string Mutate(string text, Random random, int count)
    {
        var sb = new StringBuilder(text);
        for (var i = 0; i < count; i++)
        {
            var pos = sb.Length == 0 ? 0 : random.Next(sb.Length);
            switch (random.Next(5))
            {
                case 0 when sb.Length > 0:
                    sb.Remove(pos, 1);
                    break;
                case 1:
                    sb.Insert(pos, Alphabet[random.Next(Alphabet.Length)]);
                    break;
                case 2 when sb.Length > 0:
                    sb.Remove(pos, Math.Min(sb.Length - pos, random.Next(20)));
                    break;
                case 3:
                    var lines = sb.ToString().Split('\n');
                    var a = random.Next(lines.Length);
                    var b = random.Next(lines.Length);
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    sb.Clear().Append(string.Join('\n', lines));
                    break;
                default:
                    sb.Insert(pos, Alphabet[random.Next(Alphabet.Length)]).Insert(pos, Alphabet[random.Next(Alphabet.Length)]);
                    break;
            }
        }

        return sb.ToString();
    }
}
