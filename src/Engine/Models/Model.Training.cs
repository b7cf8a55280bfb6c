using Engine.Backends;
using Engine.Layers;
using Engine.Tensors;
using Engine.Training;

namespace Engine.Models;

/// <summary>The state training keeps on the model: its random stream, epoch count, stop flag, the
/// parameter arena and the CUDA-graph switch. The steps themselves live in <see cref="TrainingStep"/>.</summary>
public partial class Model
{
    /// <summary>ENGINE_CUDA_GRAPHS=0 turns CUDA graphs off for every model; =1 turns them on for every model.</summary>
    public const string CudaGraphsVariable = CapturedTrainingStep.Variable;

    /// <summary>Most batch signatures captured per model; further ones train eagerly.</summary>
    public const int MaxCudaGraphs = CapturedTrainingStep.MaxGraphs;

    private Rng? _trainingRng;
    private bool _useCudaGraphs;

    /// <summary>The random stream of training (shuffling, dropout seeds). Saved in checkpoints, so a
    /// resumed Fit draws exactly what an uninterrupted one would have.</summary>
    internal Rng TrainingRng
    {
        get => _trainingRng ??= new Rng(CounterRng.Hash(Seed, 0x7EA1));
        set => _trainingRng = value;
    }

    /// <summary>The context of one training forward pass; draws its dropout seed from <see cref="TrainingRng"/>.</summary>
    internal CallContext NextTrainingContext() => new(true, TrainingRng.NextSeed());

    /// <summary>Set by a callback to end Fit after the current step (Keras's model.stop_training).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Number of epochs completed (by Fit, or restored from a checkpoint): pass it as
    /// <c>initialEpoch</c> to continue training.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Set by BackupAndRestore when it restored a backup: the epoch Fit continues from.</summary>
    internal int? ResumeEpoch { get; set; }

    /// <summary>Where Fit is inside the current epoch (a mid-epoch backup records it).</summary>
    internal EpochProgress Progress { get; } = new();

    /// <summary>Read from a backup written mid-epoch: where a resumed Fit continues (used only with
    /// <see cref="ResumeEpoch"/>, i.e. when BackupAndRestore restored it).</summary>
    internal EpochProgress? ResumeProgress { get; set; }

    /// <summary>The trainable weights in one buffer while training (one launch per update).</summary>
    internal TrainableArena Arena { get; } = new();

    /// <summary>Capture the training step as a CUDA graph and replay it (like PyTorch's
    /// torch.compile(mode="reduce-overhead") / torch.cuda.graphs, or Keras's jit_compile): much less
    /// CPU time per step for small models on a GPU. Off by default; no effect on the CPU. Also set by
    /// <c>Compile(..., cudaGraphs: true)</c>; ENGINE_CUDA_GRAPHS=0 forces it off, =1 on.
    /// Training results equal eager training's. See <see cref="CapturedTrainingStep"/> for what falls back to eager.</summary>
    public bool UseCudaGraphs
    {
        get => _useCudaGraphs;
        set
        {
            if (value == _useCudaGraphs) return;
            _useCudaGraphs = value;
            Training?.ResetGraphs();
        }
    }

    /// <summary>Eager steps of each batch signature before it is captured (tests set 0 to capture a cold step).</summary>
    internal int CudaGraphWarmupSteps { get; set; } = 1;

    /// <summary>Counters of the captured training steps, for tests and benchmarks.</summary>
    internal CudaGraphStats GraphStats => Training?.GraphStats ?? CudaGraphStats.None;
}
