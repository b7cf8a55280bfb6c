using Engine.Tensors;

namespace Engine.Data.Tests;

public class MultiLabelCsvTests
{
    private static string MakeCsv(TempDir dir, string body)
    {
        var images = Path.Combine(dir.Path, "imgs");
        for (var i = 0; i < 6; i++) TestImages.WritePng(Path.Combine(images, $"{i}.png"), 5, 4, 3, seed: i);
        TestImages.WritePng(Path.Combine(images, "with, comma.png"), 5, 4, 3, seed: 9);
        var csv = dir["labels.csv"];
        File.WriteAllText(csv, body);
        return csv;
    }

    private static ImageDataset Load(string csv, List<string>? log = null, IReadOnlyList<string>? labels = null, BadFilePolicy onBadFile = BadFilePolicy.Error) =>
        Datasets.MultiLabelFromCsv(csv, imageSize: (4, 5), batchSize: 50, shuffle: false, labels: labels, onBadFile: onBadFile, log: (log ?? []).Add);

    [Fact]
    public void Rows_become_multi_hot_targets_over_a_sorted_vocabulary()
    {
        using var dir = new TempDir();
        var csv = MakeCsv(dir, """
            path,labels
            imgs/0.png,sky|tree
            imgs/1.png,tree;car
            imgs/2.png,
            # a comment line
            imgs/3.png, sky | person ;car

            "imgs/with, comma.png",person
            """);
        var log = new List<string>();
        var ds = Load(csv, log);
        Assert.Equal(LabelMode.MultiHot, ds.LabelMode);
        Assert.Equal(["car", "person", "sky", "tree"], ds.ClassNames);
        Assert.True(ds.Vocabulary.MultiLabel);
        Assert.Equal(5, ds.Count);
        Assert.Contains("Found 5 files with 4 labels.", log);
        var batch = ds.GetBatches(0).Single();
        Assert.Equal(new Shape(5, 4), batch.Y.Shape);
        Assert.Equal(new Shape(5, 3, 4, 5), batch.X.Shape);
        float[] expected =
        [
            0, 0, 1, 1, // sky, tree
            1, 0, 0, 1, // tree, car
            0, 0, 0, 0, // no labels
            1, 1, 1, 0, // sky, person, car
            0, 1, 0, 0, // person
        ];
        Assert.Equal(expected, batch.Y.ToArray<float>());
        Assert.Equal(expected, ds.MultiHotTargets());
        Assert.EndsWith("with, comma.png", ds.FilePaths[4]);
    }

    [Fact]
    public void A_given_vocabulary_fixes_the_order()
    {
        using var dir = new TempDir();
        var csv = MakeCsv(dir, "imgs/0.png,b\nimgs/1.png,a|c\n");
        var ds = Load(csv, labels: ["c", "b", "a", "unused"]);
        Assert.Equal(["c", "b", "a", "unused"], ds.ClassNames);
        Assert.Equal([0f, 1, 0, 0, 1, 0, 1, 0], ds.GetBatches(0).Single().Y.ToArray<float>());
    }

    [Fact]
    public void Vocabulary_saved_next_to_a_checkpoint_reloads_the_same_targets()
    {
        using var dir = new TempDir();
        var csv = MakeCsv(dir, "imgs/0.png,b\nimgs/1.png,a|c\nimgs/2.png,c\n");
        var ds = Load(csv);
        ds.Vocabulary.SaveNextTo(dir["model.safetensors"]);
        var again = Load(csv, labels: LabelVocabulary.LoadNextTo(dir["model.safetensors"]).Names);
        Assert.Equal(ds.MultiHotTargets(), again.MultiHotTargets());
    }

    [Fact]
    public void Pos_weights_and_split_work_on_csv_data()
    {
        using var dir = new TempDir();
        var csv = MakeCsv(dir, "imgs/0.png,a\nimgs/1.png,a|b\nimgs/2.png,a\nimgs/3.png,a\nimgs/4.png,a\n");
        var ds = Load(csv);
        Assert.Equal([0f, 4f], ds.PosWeights()); // a: 0 negatives / 5; b: 4 / 1
        var train = Datasets.MultiLabelFromCsv(csv, imageSize: (4, 5), seed: 3, validationSplit: 0.4, subset: Subset.Training, log: _ => { });
        var val = Datasets.MultiLabelFromCsv(csv, imageSize: (4, 5), seed: 3, validationSplit: 0.4, subset: Subset.Validation, log: _ => { });
        Assert.Equal((3, 2), (train.Count, val.Count));
        Assert.Empty(train.FilePaths.Intersect(val.FilePaths));
    }

    [Fact]
    public void Class_weights_are_refused_for_multi_label_data()
    {
        using var dir = new TempDir();
        var ds = Load(MakeCsv(dir, "imgs/0.png,a\nimgs/1.png,b\n"));
        var e = Assert.Throws<InvalidOperationException>(() => ds.ClassWeight = [1f, 1f]);
        Assert.Contains("PosWeights", e.Message);
    }
}
