namespace LayerTools.Core.Build.Syntax;

/// <summary>Reads what -File names: a Dockerfile, or its YAML mirror (.yaml, .yml).</summary>
internal static class BuildFile
{
    public static Dockerfile Load(string path, string displayName)
    {
        if (!File.Exists(path))
        {
            throw new LayerToolsException("DockerfileNotFound", ErrorKind.ObjectNotFound, $"There is no build file at '{path}'. Give one with -File, or put a Dockerfile in the context folder.", path);
        }

        var extension = Path.GetExtension(path);
        if (extension.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || extension.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return DockerfileParser.Parse(YamlBuildFile.ToDockerfile(File.ReadAllText(path), displayName), displayName);
        }

        return DockerfileParser.ParseFile(path, displayName);
    }
}
