namespace Engine.Cli.RunFolders;

/// <summary>An exclusive OS file lock on a run folder, held while a process trains into it. The
/// lock is flock(2) underneath .NET's FileShare.None (LockFileEx on Windows), so it disappears with
/// the process, even after kill -9: there is no stale lock to clean up. The holder's pid goes into a
/// file beside it so that the refusal can name the process.</summary>
internal sealed class RunLock : IDisposable
{
    public const string LockName = ".engine-run.lock";
    public const string HolderName = ".engine-run.lock.pid";

    private readonly FileStream _stream;
    private readonly string _holderPath;

    private RunLock(FileStream stream, string holderPath)
    {
        _stream = stream;
        _holderPath = holderPath;
    }

    public static bool IsLockFile(string path) => Path.GetFileName(path) is LockName or HolderName;

    /// <summary>Takes the lock or throws a <see cref="UsageException"/> naming the process that holds it.</summary>
    public static RunLock Acquire(string runDir)
    {
        var lockPath = Path.Combine(runDir, LockName);
        var holderPath = Path.Combine(runDir, HolderName);
        FileStream stream;
        try
        {
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(lockPath))
        {
            var holder = File.Exists(holderPath) ? File.ReadAllText(holderPath).Trim() : "";
            var who = holder.Length > 0 ? $"process {holder}" : "another process";
            throw new UsageException($"'{runDir}' is in use: {who} is training into it (lock {lockPath}). Wait for it to finish or stop it; two trainings never share a run folder.");
        }
        File.WriteAllText(holderPath, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new RunLock(stream, holderPath);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_holderPath);
        }
        catch (IOException)
        {
            // The lock itself is released below; a leftover pid file only names a process that has ended.
        }
        _stream.Dispose();
    }
}
