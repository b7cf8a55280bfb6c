using System.CommandLine;
using Engine.Onnx;

namespace Engine.Cli.Commands;

/// <summary>`engine export RUN --format onnx --output FILE`: the trained model as an ONNX file for
/// ONNX Runtime / ML.NET, with the run's class names and preprocessing in its metadata.</summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var run = new Argument<string>("run") { Description = "A run folder (its best checkpoint) or a model file." };
        var format = new Option<string>("--format") { Description = "Export format; only 'onnx'.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "The file to write (e.g. model.onnx).", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the output file if it exists." };
        var command = new Command("export", "Export a trained model (ONNX, opset 13, dynamic batch) for ONNX Runtime / ML.NET.") { run, format, output, overwrite };
        command.SetAction(r =>
        {
            if (!string.Equals(r.GetValue(format), "onnx", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"--format '{r.GetValue(format)}' is not supported; the only export format is 'onnx'.");
            var path = r.GetValue(output)!;
            if (File.Exists(path) && !r.GetValue(overwrite))
                throw new UsageException($"'{path}' already exists; choose another --output or pass --overwrite.");
            if (Directory.Exists(path)) throw new UsageException($"--output '{path}' is a directory; give a file name such as model.onnx.");
            using var trained = TrainedModel.Open(r.GetValue(run)!);
            try
            {
                trained.Model.ExportOnnx(path, new OnnxExportOptions
                {
                    ClassNames = trained.Vocabulary.Names,
                    Preprocessing = $"{(trained.Settings.Grayscale ? "grayscale" : "RGB")} images resized to {trained.Settings.ImageSize}x{trained.Settings.ImageSize}, " +
                                    "NCHW float32 pixels in [0, 255] (the graph's own Rescaling maps them as in training)",
                });
            }
            catch (OnnxExportException e)
            {
                throw new UsageException(e.Message);
            }
            console.Out.WriteLine($"Wrote {path} (ONNX opset {OnnxExport.Opset}, input {string.Join("x", trained.Model.InputShape!)} NCHW with a dynamic batch, " +
                                  $"outputs {string.Join(", ", trained.Model.OutputNames)}, {trained.Vocabulary.Names.Count} class names in the metadata).");
            return Cli.Ok;
        });
        return command;
    }
}
