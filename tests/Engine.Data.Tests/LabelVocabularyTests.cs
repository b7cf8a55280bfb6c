namespace Engine.Data.Tests;

public class LabelVocabularyTests
{
    [Theory]
    [InlineData("labels.json")]
    [InlineData("classes.txt")]
    public void Save_and_load_round_trip(string name)
    {
        using var dir = new TempDir();
        var vocab = new LabelVocabulary(["cat", "dog", "bird house"], multiLabel: true);
        vocab.Save(dir[name]);
        var back = LabelVocabulary.Load(dir[name]);
        Assert.Equal(vocab.Names, back.Names);
        Assert.Equal(name.EndsWith(".json"), back.MultiLabel); // the text form has one name per line and nothing else
        Assert.False(File.Exists(dir[name] + ".tmp"));
    }

    [Fact]
    public void Json_form_is_readable_by_other_tools()
    {
        using var dir = new TempDir();
        new LabelVocabulary(["a", "b"]).Save(dir["labels.json"]);
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir["labels.json"]));
        Assert.Equal(["a", "b"], json.RootElement.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        Assert.False(json.RootElement.GetProperty("multi_label").GetBoolean());
    }

    [Fact]
    public void Next_to_a_checkpoint_file_or_folder()
    {
        using var dir = new TempDir();
        var file = dir["model.safetensors"];
        Assert.Equal(dir["model.labels.json"], LabelVocabulary.PathNextTo(file));
        Directory.CreateDirectory(dir["best"]);
        Assert.Equal(Path.Combine(dir["best"], "labels.json"), LabelVocabulary.PathNextTo(dir["best"]));

        var vocab = new LabelVocabulary(["x", "y", "z"]);
        var written = vocab.SaveNextTo(file);
        Assert.True(File.Exists(written));
        Assert.Equal(vocab.Names, LabelVocabulary.LoadNextTo(file).Names);
    }

    [Fact]
    public void Sorted_is_ordinal_and_distinct()
    {
        var v = LabelVocabulary.Sorted(["b", "B", "a", "b", "10", "9"]);
        Assert.Equal(["10", "9", "B", "a", "b"], v.Names);
        Assert.Equal(3, v.IndexOf("a"));
        Assert.Equal(-1, v.IndexOf("c"));
    }

    [Fact]
    public void Duplicates_and_blank_names_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new LabelVocabulary(["a", "b", "a"]));
        Assert.Contains("'a' appears twice", e.Message);
        Assert.Throws<ArgumentException>(() => new LabelVocabulary(["a", " "]));
    }

    [Fact]
    public void Predictions_carry_names()
    {
        var v = new LabelVocabulary(["cat", "dog", "car", "tree"], multiLabel: true);
        Assert.Equal(["dog", "tree"], v.Decode([0.1f, 0.9f, 0.4f, 0.5f]));
        Assert.Equal([("dog", 0.9f), ("tree", 0.5f)], v.TopK([0.1f, 0.9f, 0.4f, 0.5f], 2));
        var e = Assert.Throws<ArgumentException>(() => v.Decode([0.1f, 0.2f]));
        Assert.Contains("2 scores for 4 labels", e.Message);
    }

    [Fact]
    public void Loading_a_file_that_is_not_a_vocabulary_says_so()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["labels.json"], "{\"other\": 1}");
        var e = Assert.Throws<InvalidDataException>(() => LabelVocabulary.Load(dir["labels.json"]));
        Assert.Contains("no \"labels\" array", e.Message);
        Assert.Throws<FileNotFoundException>(() => LabelVocabulary.Load(dir["missing.json"]));
    }
}
