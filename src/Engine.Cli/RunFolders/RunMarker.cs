using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Cli.Training;
using Engine.Serialization;

namespace Engine.Cli.RunFolders;

/// <summary>engine-run.json: says "this folder is an Engine run folder" (format and version) and
/// holds the run's settings. It is the first file a run writes, so a run killed at any later moment
/// is still recognised and resumable; a folder without it is never written to.</summary>
internal static class RunMarker
{
    public const string FileName = "engine-run.json";
    public const string Format = "engine-run";

    /// <summary>Bump when the folder layout changes incompatibly; older versions are still read.</summary>
    public const int Version = 1;

    public static void Write(string runDir, TrainSettings settings)
    {
        var json = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["settings"] = JsonNode.Parse(settings.ToJson()),
        };
        AtomicFile.WriteAllText(Path.Combine(runDir, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The settings of the run in <paramref name="runDir"/>; a marker that is damaged or from
    /// a newer Engine is the user's problem to see, with the file named.</summary>
    public static TrainSettings Read(string runDir)
    {
        var path = Path.Combine(runDir, FileName);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new UsageException($"'{path}' is damaged ({e.Message}); it should be the run marker written by 'engine train'.");
        }
        if ((string?)json["format"] != Format || json["version"] is not JsonValue v || !v.TryGetValue<int>(out var version))
            throw new UsageException($"'{path}' is not an Engine run marker (expected \"format\": \"{Format}\" and a \"version\").");
        if (version > Version)
            throw new UsageException($"'{path}' is run folder format version {version}; this Engine reads up to version {Version}. Use a newer Engine.");
        if (json["settings"] is not JsonObject settings)
            throw new UsageException($"'{path}' has no \"settings\"; it should be the run marker written by 'engine train'.");
        return TrainSettings.FromJson(settings.ToJsonString(), path);
    }
}
