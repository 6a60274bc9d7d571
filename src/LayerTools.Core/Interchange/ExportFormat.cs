namespace LayerTools.Core.Interchange;

/// <summary>What Export-LayeredImage writes.</summary>
public enum ExportFormat
{
    /// <summary>A docker-archive tar in Docker 25's dual form: an OCI layout plus manifest.json and repositories.</summary>
    DockerArchive,

    /// <summary>An OCI image layout directory.</summary>
    OciLayout,

    /// <summary>A tar of an OCI image layout.</summary>
    OciArchive,
}
