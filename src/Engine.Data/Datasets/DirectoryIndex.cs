namespace Engine.Data;

/// <summary>Scans a class-per-folder image tree as Keras's image_dataset_from_directory does: each
/// sub-folder is a class (names in ordinal order unless given), image files are found recursively
/// inside it in ordinal path order, other files (.txt, .DS_Store) are ignored, hidden entries skipped.
/// Every image gets the fast header check. Structural problems (no such directory, no class folders,
/// an unknown class name) throw at once; bad files are collected.</summary>
internal static class DirectoryIndex
{
    public static IndexedSamples Scan(string directory, IReadOnlyList<string>? classNames, bool fullDecode = false)
    {
        var root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
            throw new DataValidationException(root, [new DataProblem(root, File.Exists(root)
                ? "is a file, not a directory; expected a directory with one sub-folder of images per class"
                : "directory not found")]);

        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0)
        {
            var loose = Directory.GetFiles(root).Count(ImageFileCheck.IsSupportedExtension);
            throw new DataValidationException(root, [new DataProblem(root,
                $"no class folders: expected one sub-folder per class (e.g. {Path.Combine(root, "cats")}/*.png, {Path.Combine(root, "dogs")}/*.png)" +
                (loose > 0 ? $"; found {loose} images directly in the directory, which belong in class folders" : ""))]);
        }

        var classes = classNames?.ToList() ?? folders;
        if (classNames is not null)
        {
            var unknown = classNames.Where(n => !folders.Contains(n, StringComparer.Ordinal)).ToArray();
            if (unknown.Length > 0)
                throw new DataValidationException(root, unknown.Select(n => new DataProblem(Path.Combine(root, n),
                    $"class '{n}' from classNames has no folder; the folders are: {string.Join(", ", folders)}")).ToArray());
        }

        var index = new IndexedSamples { Vocabulary = new LabelVocabulary(classes) };
        for (var c = 0; c < classes.Count; c++)
        {
            var folder = Path.Combine(root, classes[c]);
            var files = ListFiles(folder).ToArray();
            foreach (var file in files.Where(ImageFileCheck.IsUnsupportedImageExtension))
                index.Problems.Add(new DataProblem(file, ImageFileCheck.UnsupportedReason(file)));
            var images = files.Where(ImageFileCheck.IsSupportedExtension).ToArray();
            var problems = ImageFileCheck.Problems(images, fullDecode);
            for (var i = 0; i < images.Length; i++)
            {
                if (problems[i] is { } reason)
                {
                    index.Problems.Add(new DataProblem(images[i], reason));
                    continue;
                }
                index.Paths.Add(images[i]);
                index.Classes.Add(c);
            }
            if (images.Length == problems.Count(p => p is not null))
                index.EmptyClasses.Add(new DataProblem(folder, $"class '{classes[c]}' has no usable images (expected .png, .jpg, .jpeg, .bmp or .gif files)"));
        }
        return index;
    }

    /// <summary>Files under <paramref name="folder"/>, recursively, hidden ones left out, in ordinal order.</summary>
    private static IEnumerable<string> ListFiles(string folder)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System, IgnoreInaccessible = false };
        return Directory.EnumerateFiles(folder, "*", options)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal);
    }
}
