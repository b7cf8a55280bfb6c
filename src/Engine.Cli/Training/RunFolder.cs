namespace Engine.Cli.Training;

/// <summary>The files a training run leaves behind, by name.</summary>
internal static class RunFolder
{
    public const string ConfigFile = "config.json";
    public const string ModelFile = "model.safetensors";
    public const string LabelsFile = "labels.json";
    public const string HistoryCsv = "history.csv";
    public const string HistoryPng = "history.png";
    public const string SummaryFile = "summary.txt";
    public const string BackupFolder = "backup";

    /// <summary>The model file of a run folder, or the path itself when it names a model file.</summary>
    public static string ModelPath(string runOrModel)
    {
        if (File.Exists(runOrModel)) return runOrModel;
        var inFolder = Path.Combine(runOrModel, ModelFile);
        if (File.Exists(inFolder)) return inFolder;
        throw new UsageException(Directory.Exists(runOrModel)
            ? $"'{runOrModel}' has no {ModelFile}: is it a run folder written by 'engine train' (did training finish an epoch)?"
            : $"No model at '{runOrModel}': pass a run folder or a .safetensors model file.");
    }

    /// <summary>The config.json next to a model file (in its run folder), if there is one.</summary>
    public static TrainSettings? SettingsNextTo(string modelPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, ConfigFile);
        return File.Exists(path) ? TrainSettings.Load(path) : null;
    }
}
