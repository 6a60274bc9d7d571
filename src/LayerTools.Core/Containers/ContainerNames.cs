using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Containers;

/// <summary>Container names: the ones users give (Docker's rule) and the adjective_noun ones made up when none is given.</summary>
internal static partial class ContainerNames
{
    private static readonly string[] Adjectives =
    {
        "admiring", "agitated", "amazing", "awesome", "blissful", "bold", "brave", "busy", "charming", "clever",
        "compassionate", "competent", "confident", "cool", "dazzling", "determined", "eager", "ecstatic", "elastic", "elated",
        "elegant", "epic", "exciting", "fervent", "festive", "focused", "friendly", "funny", "gallant", "gifted",
        "goofy", "gracious", "happy", "hopeful", "hungry", "inspiring", "intelligent", "jolly", "jovial", "keen",
        "kind", "laughing", "loving", "lucid", "magical", "modest", "musing", "mystifying", "nice", "nifty",
        "nostalgic", "optimistic", "peaceful", "pensive", "practical", "priceless", "quirky", "quizzical", "relaxed", "reverent",
        "romantic", "serene", "sharp", "silly", "sleepy", "stoic", "strange", "sweet", "tender", "thirsty",
        "trusting", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "youthful", "zealous", "zen",
    };

    private static readonly string[] Nouns =
    {
        "albattani", "allen", "archimedes", "babbage", "bardeen", "bell", "bhabha", "blackwell", "bohr", "booth",
        "borg", "brahmagupta", "cannon", "carson", "cerf", "chandrasekhar", "curie", "darwin", "dijkstra", "easley",
        "einstein", "elion", "engelbart", "euclid", "euler", "faraday", "fermat", "fermi", "feynman", "franklin",
        "galileo", "gauss", "goldberg", "goodall", "hamilton", "hawking", "heisenberg", "hertz", "hodgkin", "hopper",
        "hypatia", "jackson", "jennings", "johnson", "kalam", "kepler", "knuth", "lamarr", "lamport", "leakey",
        "lovelace", "lumiere", "mayer", "mccarthy", "meitner", "mendel", "minsky", "morse", "napier", "newton",
        "noether", "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "ritchie", "rosalind", "shannon",
        "shockley", "sinoussi", "stallman", "swartz", "tesla", "thompson", "torvalds", "turing", "wilson", "wozniak",
    };

    /// <summary>A Docker-style name such as <c>brave_turing</c>; after a few collisions a digit is added, as Docker does.</summary>
    public static string Generate(int attempt)
    {
        var name = Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)] + "_" + Nouns[RandomNumberGenerator.GetInt32(Nouns.Length)];
        return attempt < 3 ? name : name + RandomNumberGenerator.GetInt32(10).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A new container ID: 64 random hex digits.</summary>
    public static string NewId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();

    /// <summary>Docker's rule for a container name: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (one character is allowed here too).</summary>
    public static bool IsValid(string name) => ValidName().IsMatch(name) && name.Length <= 128;

    public static bool IsId(string text) => IdPattern().IsMatch(text);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    [GeneratedRegex("^[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
