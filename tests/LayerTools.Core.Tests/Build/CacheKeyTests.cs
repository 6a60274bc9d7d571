using LayerTools.Core.Build.Cache;
using LayerTools.Core.Digests;

namespace LayerTools.Core.Tests.Build;

/// <summary>The key is hashed as it is built; its digest must stay the one earlier versions wrote, or every store's build cache would miss.</summary>
public sealed class CacheKeyTests
{
    [Fact]
    public void The_digest_is_the_sha256_of_the_length_prefixed_fields_with_non_ascii_long_and_null_values()
    {
        var long300 = new string('é', 300);
        var key = new CacheKey("copy", "sha256:parent").Add("file:app/ü.js", "File\u001f420").Add("arg", null).Add("big", long300);
        var text = "1:v=1:1\n4:kind=4:copy\n6:parent=13:sha256:parent\n13:file:app/ü.js=8:File\u001f420\n3:arg=5:\0null\n3:big=300:" + long300 + "\n";
        Assert.Equal(Digest.Of(text), key.Digest);

        // Asked again after another field, the digest covers it.
        key.Add("more", "x");
        Assert.Equal(Digest.Of(text + "4:more=1:x\n"), key.Digest);
    }

    [Fact]
    public void ManyFieldsAndAFieldLargerThanTheHashBufferGiveTheDigestOfTheWholeText()
    {
        // The text is hashed a buffer (16 KB) at a time: fields that straddle a buffer's end, and one
        // larger than a buffer, hash as the text written out whole.
        var key = new CacheKey("copy", "sha256:parent");
        var text = new System.Text.StringBuilder("1:v=1:1\n4:kind=4:copy\n6:parent=13:sha256:parent\n");
        for (var i = 0; i < 3000; i++)
        {
            var name = "file:app/src/d" + (i % 100) + "/f" + i + ".js";
            var value = "File\u001f420\u001f0\u001f0\u001f" + i + "\u001f\u001fsha256:" + new string((char)('a' + (i % 6)), 64);
            key.Add(name, value, label: name[5..]);
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name.Length}:{name}={value.Length}:{value}\n");
            if (i == 1500)
            {
                var huge = new string('ß', 40_000);
                key.Add("huge", huge);
                text.Append("4:huge=40000:").Append(huge).Append('\n');
            }
        }

        Assert.Equal(Digest.Of(text.ToString()), key.Digest);
    }

    [Fact]
    public void InputsAddedManyAtOnceHashAsAddedOneByOneAndAreMadeAgainInOrderWhenAsked()
    {
        var files = Enumerable.Range(0, 2000).Select(i => new KeyInput("file:app/f" + i, "File\u001f420\u001f" + new string('x', i % 50), "f" + i)).ToList();
        var made = 0;
        IEnumerable<KeyInput> Make()
        {
            made++;
            return files;
        }

        var many = new CacheKey("copy", "p").Add("exclude", "a").AddMany(Make).Add("destination", "/app");
        var one = new CacheKey("copy", "p").Add("exclude", "a");
        files.ForEach(f => one.Add(f.Name, f.Value, f.Label));
        one.Add("destination", "/app");
        Assert.Equal(one.Digest, many.Digest);
        Assert.Equal(1, made);
        Assert.Equal(one.Inputs, many.Inputs);
        Assert.Equal(2, made);
    }
}
