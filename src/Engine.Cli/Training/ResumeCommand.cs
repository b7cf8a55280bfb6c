namespace Engine.Cli.Training;

/// <summary>The command line that continues a run, as the user can paste it.</summary>
internal static class ResumeCommand
{
    public static string For(string runDir) => $"engine train --resume {Quote(Path.GetFullPath(runDir))}";

    private static string Quote(string path) =>
        path.All(c => char.IsLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or '+' or ':' or ',' or '@') ? path : $"'{path.Replace("'", "'\\''")}'";
}
