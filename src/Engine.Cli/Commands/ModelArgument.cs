using Engine.Cli.RunFolders;
using Engine.Cli.Training;
using Engine.Models;

namespace Engine.Cli.Commands;

/// <summary>A trained model as evaluate/predict take it: a run folder or a model file, plus the
/// training configuration found next to it (image size, colour, labels).</summary>
internal sealed record TrainedModel(Model Model, TrainSettings Settings, Data.LabelVocabulary Vocabulary, string Path) : IDisposable
{
    public static TrainedModel Open(string runOrModel)
    {
        var path = RunFolder.ModelPath(runOrModel);
        var model = Model.Load(path);
        var settings = RunFolder.SettingsNextTo(path) ?? Guess(model);
        var labelsPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, RunFolder.LabelsFile);
        var classes = model.OutputShapes.Values.First()[^1];
        var vocabulary = File.Exists(labelsPath)
            ? Data.LabelVocabulary.Load(labelsPath)
            : new Data.LabelVocabulary(Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return new TrainedModel(model, settings, vocabulary, path);
    }

    /// <summary>Without a config.json: read the input size and colour from the model itself.</summary>
    private static TrainSettings Guess(Model model)
    {
        var shape = model.InputShape ?? throw new UsageException("The model file has no input shape; it cannot be used for prediction.");
        return new TrainSettings { ImageSize = shape[^1], Grayscale = shape[0] == 1 };
    }

    public (int Channels, int Size) InputShape => Model.InputShape is { } s ? (s[0], s[^1]) : (Settings.Grayscale ? 1 : 3, Settings.ImageSize);

    public void Dispose() => Model.Dispose();
}
