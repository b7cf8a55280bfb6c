using Engine.Cli.Training;

namespace Engine.Cli.RunFolders;

/// <summary>The files a training run leaves behind, by name, and what state a folder is in.</summary>
internal static class RunFolder
{
    public const string ConfigFile = "config.json";
    public const string ModelFile = "model.safetensors";
    public const string LabelsFile = "labels.json";
    public const string HistoryCsv = "history.csv";
    public const string HistoryPng = "history.png";
    public const string SummaryFile = "summary.txt";
    public const string BackupFolder = "backup";
    public const string BackupFile = "backup.safetensors";

    /// <summary>The full training state after the last epoch of a finished run: what `--resume RUN
    /// --epochs N` continues from (the backup is moved here when training ends).</summary>
    public const string StateFile = "training-state.safetensors";

    /// <summary>Where an internal error's stack trace goes.</summary>
    public const string LogFile = "engine.log";

    public static string BackupPath(string runDir) => Path.Combine(runDir, BackupFolder, BackupFile);

    /// <summary>What is at <paramref name="path"/>, as far as training is concerned.</summary>
    public static RunFolderState Inspect(string path)
    {
        if (File.Exists(path)) return RunFolderState.File;
        if (!Directory.Exists(path)) return RunFolderState.Missing;
        if (!File.Exists(Path.Combine(path, RunMarker.FileName)))
            return Directory.EnumerateFileSystemEntries(path).All(IsLeftOverByAStart) ? RunFolderState.Empty : RunFolderState.NotARun;
        if (File.Exists(BackupPath(path))) return RunFolderState.Interrupted;
        return File.Exists(Path.Combine(path, StateFile)) ? RunFolderState.Finished : RunFolderState.Interrupted;
    }

    /// <summary>What a run killed before its marker existed can leave: the lock files and the marker's
    /// temporary file (written, flushed, then renamed into place).</summary>
    private static bool IsLeftOverByAStart(string path) => RunLock.IsLockFile(path) || IsTempFileOf(path, RunMarker.FileName);

    /// <summary>AtomicFile's temporary name for <paramref name="target"/>: ".NAME.GUID.tmp".</summary>
    private static bool IsTempFileOf(string path, string? target)
    {
        var name = Path.GetFileName(path);
        if (!name.StartsWith('.') || !name.EndsWith(".tmp", StringComparison.Ordinal) || name.Length < 38) return false;
        var guid = name[^36..^4];
        return guid.All(char.IsAsciiHexDigitLower) && name[^37] == '.' && (target is null || name[1..^37] == target);
    }

    /// <summary>Removes temporary files that a killed run left half-written in its own folder (under
    /// the lock, so no writer of this run is active).</summary>
    public static void RemoveStaleTempFiles(string runDir)
    {
        foreach (var folder in new[] { runDir, Path.Combine(runDir, BackupFolder) }.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder).Where(f => IsTempFileOf(f, null)).ToList())
                File.Delete(file);
    }

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

/// <summary>A folder as `engine train` sees it before writing anything.</summary>
internal enum RunFolderState
{
    /// <summary>Nothing there yet: a new run may create it.</summary>
    Missing,

    /// <summary>An empty folder (or one holding only a lock left by a run killed while starting).</summary>
    Empty,

    /// <summary>A file, not a folder.</summary>
    File,

    /// <summary>A non-empty folder without Engine's marker: the user's, never written to.</summary>
    NotARun,

    /// <summary>A run that has not finished: continues only through --resume.</summary>
    Interrupted,

    /// <summary>A finished run: --resume with more --epochs trains it further.</summary>
    Finished,
}
