namespace Engine.Callbacks;

/// <summary>What Fit passes to callbacks as their parameters (Keras's callback.params).</summary>
public sealed record FitParams(int Epochs, int Steps, int Verbose);
