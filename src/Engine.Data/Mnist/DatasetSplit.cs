namespace Engine.Data;

/// <summary>A training set and a test set, as MNIST-style data comes.</summary>
public sealed record DatasetSplit(LabeledImages Train, LabeledImages Test);
