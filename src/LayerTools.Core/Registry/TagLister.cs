using System.Text.Json.Nodes;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>The tags of a repository (GET /v2/&lt;name&gt;/tags/list), following the registry's pages (Link: rel="next").</summary>
internal static class TagLister
{
    /// <summary>At most this many pages are followed, so a registry that links in a circle cannot keep us forever.</summary>
    private const int MaxPages = 1000;

    public static IEnumerable<RegistryTag> List(RegistryClient client, string repository, CancellationToken cancellationToken)
    {
        var next = $"/v2/{repository}/tags/list?n=1000";
        for (var page = 0; page < MaxPages && next is not null; page++)
        {
            var tags = new List<string>();
            using (var response = client.Send(HttpMethod.Get, next, RegistryClient.PullScope(repository), cancellationToken))
            {
                var what = $"the tags of {client.Endpoint.Domain}/{repository}";
                if (!response.IsSuccessStatusCode)
                {
                    throw RegistryErrors.FromResponse(response, what, repository);
                }

                var json = JsonDocuments.ParseObject(RegistryClient.ReadLimited(response, RegistryClient.MaxManifestBytes, "tag list", repository), what, "RegistryError");
                if (json["tags"] is JsonArray array)
                {
                    tags.AddRange(array.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>());
                }

                next = NextPage(response);
            }

            foreach (var tag in tags)
            {
                yield return new RegistryTag { Registry = client.Endpoint.Domain, Repository = repository, Tag = tag };
            }
        }
    }

    /// <summary>The path of the next page from a <c>Link: &lt;/v2/…&gt;; rel="next"</c> header.</summary>
    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var open = link.IndexOf('<', StringComparison.Ordinal);
            var close = link.IndexOf('>', StringComparison.Ordinal);
            if (open >= 0 && close > open && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var target = link[(open + 1)..close];
                return target.StartsWith("/v2/", StringComparison.Ordinal) ? target : null;
            }
        }

        return null;
    }
}
