using System.CommandLine;
using System.Globalization;
using Engine.Cli.Training;

namespace Engine.Cli.Commands;

/// <summary>`engine train`: with no options, the seed CNN on the embedded digits.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "Folder with one sub-folder of images per class (default: the embedded MNIST digits)." };
        var labels = new Option<FileInfo?>("--labels") { Description = "Multi-label CSV: 'path,labels' with labels separated by '|' or ';' (implies --multi-label)." };
        var imageSize = new Option<int?>("--image-size") { Description = "Resize images to SIZE x SIZE (default 28 for digits, 64 for image folders)." };
        var grayscale = new Option<bool>("--grayscale") { Description = "Load images as one grayscale channel instead of RGB." };
        var model = new Option<string>("--model") { Description = "'seed' (the seed CNN), a zoo model (resnet18, resnet34, resnet50, mobilenetv2, resnet20), a JSON model config file, or a pretrained ONNX backbone (FILE.onnx) that gets a new GlobalAveragePooling + Dense head for the data's classes (fine-tuned whole unless --freeze-backbone).", DefaultValueFactory = _ => "seed" };
        var epochs = new Option<int?>("--epochs") { Description = "Number of epochs (default 8)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Batch size (default 64)." };
        var optimizer = new Option<string>("--optimizer") { Description = "adam, sgd, adamw or rmsprop.", DefaultValueFactory = _ => "adam" };
        optimizer.AcceptOnlyFromAmong("adam", "sgd", "adamw", "rmsprop");
        var lr = new Option<double?>("--lr") { Description = "Learning rate (default: the optimizer's Keras default)." };
        var augment = new Option<bool>("--augment") { Description = "Random shifts, rotation and zoom (plus horizontal flips for image folders)." };
        var classWeight = new Option<string?>("--class-weight") { Description = "'balanced': weight classes inversely to their frequency (scikit-learn's formula)." };
        classWeight.AcceptOnlyFromAmong("balanced");
        var multiLabel = new Option<bool>("--multi-label") { Description = "Independent sigmoid outputs with binary cross-entropy (needs --labels)." };
        var posWeight = new Option<string?>("--pos-weight") { Description = "Multi-label positive weight: 'auto' (negatives/positives per label) or a number." };
        var validationSplit = new Option<double?>("--validation-split") { Description = "Fraction of the training data held out for validation (default 0.1; 0.2 for folders)." };
        var seed = new Option<int>("--seed") { Description = "Random seed for weights, shuffling, splits and augmentation.", DefaultValueFactory = _ => 42 };
        var device = new Option<string>("--device") { Description = "auto (GPU when one works), cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var patience = new Option<int?>("--patience") { Description = "Stop after this many epochs without improvement (restores the best weights)." };
        var resume = new Option<DirectoryInfo?>("--resume") { Description = "Continue the run in this run folder with its own settings: an interrupted run where it stopped, a finished one with more --epochs (Keras's initial_epoch)." };
        var onBadFile = new Option<string>("--on-bad-file") { Description = "Images that cannot be read or decoded (all are checked before training): 'error' stops with the list, 'skip' leaves them out with a warning.", DefaultValueFactory = _ => "error" };
        onBadFile.AcceptOnlyFromAmong("error", "skip");
        var output = new Option<DirectoryInfo?>("--output") { Description = "Run folder to write (default runs/<timestamp>)." };
        var featureLayer = new Option<string?>("--feature-layer") { Description = "ONNX backbone: import up to this node (its name or its output's), e.g. the last feature map before the classifier (default: the file's output)." };
        var preprocess = new Option<string?>("--preprocess") { Description = "ONNX backbone input preprocessing, as Keras's preprocess_input modes: none, caffe (BGR, ImageNet means), torch (/255, ImageNet mean/std), tf ([-1, 1]). Default: the file's 'preprocessing' metadata, else none." };
        preprocess.AcceptOnlyFromAmong(BackbonePreprocessing.Modes);
        var freeze = new Option<bool>("--freeze-backbone") { Description = "ONNX backbone: train only the new head; BatchNormalization runs on its moving statistics." };
        var unfreezeAfter = new Option<int?>("--unfreeze-after") { Description = "With --freeze-backbone: after N epochs unfreeze the top --unfreeze-layers layers and go on at a tenth of the learning rate." };
        var unfreezeLayers = new Option<int?>("--unfreeze-layers") { Description = "How many weighted backbone layers --unfreeze-after makes trainable, counted from the top (default 5; BatchNormalization stays frozen)." };
        var limit = new Option<int?>("--limit") { Description = "Train on at most N samples (quick checks)." };

        var command = new Command("train", "Train a classifier and write a run folder (best checkpoint, history.csv, history.png, summary, config).")
        {
            data, labels, imageSize, grayscale, model, epochs, batchSize, optimizer, lr, augment, classWeight, multiLabel, posWeight,
            validationSplit, seed, device, patience, resume, output, limit, onBadFile, featureLayer, preprocess, freeze, unfreezeAfter, unfreezeLayers,
        };
        command.SetAction(r =>
        {
            if (r.GetValue(resume) is { } resumeDir)
            {
                // A resumed run keeps its own settings; only its length and the device may change.
                var ignored = command.Options.Where(o => o != resume && o != epochs && o != device && r.GetResult(o) is { Implicit: false })
                    .Select(o => o.Name).ToArray();
                if (ignored.Length > 0)
                    throw new UsageException($"--resume continues a run with the settings it was started with; only --epochs and --device may be given with it (received {string.Join(", ", ignored)}).");
                var request = new ResumeRequest(resumeDir.FullName, r.GetValue(epochs),
                    r.GetResult(device) is { Implicit: false } ? r.GetValue(device) : null);
                return new TrainRun(console).Resume(request, Validate);
            }

            var labelsFile = r.GetValue(labels);
            var dataDir = r.GetValue(data);
            if (labelsFile is not null && dataDir is not null)
                throw new UsageException("Pass either --data (class folders) or --labels (multi-label CSV), not both.");
            if (r.GetValue(multiLabel) && labelsFile is null)
                throw new UsageException("--multi-label needs --labels CSV (image folders give one class per image).");
            if (r.GetValue(posWeight) is { } pw && labelsFile is null)
                throw new UsageException($"--pos-weight {pw} applies to multi-label training; pass --labels CSV too.");
            if (dataDir is { Exists: false }) throw new UsageException($"--data: folder '{dataDir.FullName}' does not exist.");
            if (labelsFile is { Exists: false }) throw new UsageException($"--labels: file '{labelsFile.FullName}' does not exist.");
            var digits = dataDir is null && labelsFile is null;
            var settings = new TrainSettings
            {
                Data = dataDir?.FullName,
                Labels = labelsFile?.FullName,
                ImageSize = r.GetValue(imageSize) ?? (digits ? 28 : 64),
                Grayscale = r.GetValue(grayscale) || digits,
                Model = r.GetValue(model)!,
                Epochs = r.GetValue(epochs) ?? 8,
                BatchSize = r.GetValue(batchSize) ?? 64,
                Optimizer = r.GetValue(optimizer)!,
                LearningRate = r.GetValue(lr),
                Augment = r.GetValue(augment),
                ClassWeight = r.GetValue(classWeight),
                MultiLabel = labelsFile is not null,
                PosWeight = r.GetValue(posWeight),
                ValidationSplit = r.GetValue(validationSplit) ?? (digits ? 0.1 : 0.2),
                Seed = r.GetValue(seed),
                Device = r.GetValue(device)!,
                Patience = r.GetValue(patience),
                Limit = r.GetValue(limit),
                OnBadFile = r.GetValue(onBadFile)!,
                FeatureLayer = r.GetValue(featureLayer),
                Preprocess = r.GetValue(preprocess),
                FreezeBackbone = r.GetValue(freeze),
                UnfreezeAfter = r.GetValue(unfreezeAfter),
                UnfreezeLayers = r.GetValue(unfreezeLayers) ?? 5,
            };
            var onnxOnly = new Option[] { featureLayer, preprocess, freeze, unfreezeAfter, unfreezeLayers }.Where(o => r.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToArray();
            if (!settings.UsesOnnx && onnxOnly.Length > 0)
                throw new UsageException($"{string.Join(", ", onnxOnly)} apply to a pretrained ONNX backbone; pass --model FILE.onnx too.");
            if (settings.UnfreezeAfter is not null && !settings.FreezeBackbone)
                throw new UsageException("--unfreeze-after needs --freeze-backbone (without it the whole backbone trains from the first epoch).");
            if (r.GetResult(unfreezeLayers) is { Implicit: false } && settings.UnfreezeAfter is null)
                throw new UsageException("--unfreeze-layers applies with --unfreeze-after N.");
            Validate(settings);
            if (settings.UsesOnnx)
            {
                if (settings.UsesDigits) throw new UsageException("--model FILE.onnx needs --data DIR (class folders of RGB images); the embedded digits are 28x28 grayscale.");
                settings = OnnxBackbone.Resolve(settings, imageSizeGiven: r.GetResult(imageSize) is { Implicit: false }, console.Line);
            }
            var runDir = r.GetValue(output)?.FullName ?? Path.GetFullPath(Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
            return new TrainRun(console).Start(settings, runDir);
        });
        return command;
    }

    private static void Validate(TrainSettings s)
    {
        if (s.Epochs < 1) throw new UsageException($"--epochs must be at least 1; received {s.Epochs}.");
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1; received {s.BatchSize}.");
        if (s.ImageSize is < 8 or > 1024) throw new UsageException($"--image-size must be between 8 and 1024; received {s.ImageSize}.");
        if (s.Model == "seed" && s.ImageSize < 18)
            throw new UsageException($"--image-size must be at least 18 for the seed CNN (three 3x3 convolutions and two 2x2 poolings); received {s.ImageSize}.");
        if (s.LearningRate is { } lr && !(lr > 0)) throw new UsageException($"--lr must be positive; received {lr}.");
        if (!(s.ValidationSplit is > 0 and < 1)) throw new UsageException($"--validation-split must be between 0 and 1 (exclusive); received {s.ValidationSplit}.");
        if (s.Patience is < 0) throw new UsageException($"--patience must be >= 0; received {s.Patience}.");
        if (s.Limit is < 2) throw new UsageException($"--limit must be at least 2; received {s.Limit}.");
        if (s.PosWeight is { } pw && pw != "auto" && !(double.TryParse(pw, CultureInfo.InvariantCulture, out var v) && v > 0))
            throw new UsageException($"--pos-weight must be 'auto' or a positive number; received '{pw}'.");
        if (s.ClassWeight is not null && s.MultiLabel)
            throw new UsageException("--class-weight balanced is for single-label classes; for multi-label data use --pos-weight auto.");
        if (s.OnBadFile is not ("error" or "skip")) throw new UsageException($"--on-bad-file must be 'error' or 'skip'; received '{s.OnBadFile}'.");
        if (s.UnfreezeAfter is { } n && (n < 1 || n >= s.Epochs))
            throw new UsageException($"--unfreeze-after must be at least 1 and less than --epochs ({s.Epochs}); received {n}.");
        if (s.UnfreezeLayers < 1) throw new UsageException($"--unfreeze-layers must be at least 1; received {s.UnfreezeLayers}.");
        _ = DeviceChoice.Parse(s.Device);
    }
}
