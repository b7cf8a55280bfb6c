using Engine.Models;
using TorchSharp;
using static TorchSharp.torch;
using ETensor = Engine.Tensors.Tensor;

namespace Engine.CpuCompare;

/// <summary>The TorchSharp side of one workload: the twin of Engine's model (same initial weights),
/// the same batch, Adam(1e-3, eps 1e-7) and cross-entropy on logits.</summary>
internal sealed class TorchRunner : IDisposable
{
    private readonly Workload _workload;
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly Tensor _x, _y;
    private readonly optim.Optimizer _optimizer;

    public TorchRunner(Workload workload, Model engineModel, ETensor x, int[] labels)
    {
        _workload = workload;
        _model = engineModel is Sequential sequential ? TorchTwin.Build(sequential) : ResNetTwin.Build(workload.Zoo!, engineModel);
        _x = tensor(x.ToFloatArray(), [workload.Batch, workload.Channels, workload.Size, workload.Size]);
        _y = tensor(labels.Select(l => (long)l).ToArray(), [workload.Batch]);
        _optimizer = optim.Adam(_model.parameters(), lr: 1e-3, eps: 1e-7);
    }

    /// <summary>n training steps (zero_grad, forward, loss, backward, step, loss read back, as Engine's
    /// TrainOnBatch reads its loss), or n inference passes under no_grad with a value read back.</summary>
    public void Run(int n)
    {
        if (_workload.Train)
        {
            _model.train();
            for (var i = 0; i < n; i++)
            {
                using var scope = NewDisposeScope();
                _optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(_model.forward(_x), _y);
                loss.backward();
                _optimizer.step();
                _ = loss.item<float>();
            }
            return;
        }
        _model.eval();
        using var noGrad = no_grad();
        for (var i = 0; i < n; i++)
        {
            using var scope = NewDisposeScope();
            _ = _model.forward(_x).data<float>()[0];
        }
    }

    /// <summary>Logits and loss in inference mode (batch norm on its running statistics, as Engine's
    /// Predict / TestOnBatch), without changing any state.</summary>
    public (float[] Logits, float Loss) LogitsAndLoss()
    {
        using var scope = NewDisposeScope();
        _model.eval();
        using var noGrad = no_grad();
        var logits = _model.forward(_x);
        return (logits.data<float>().ToArray(), nn.functional.cross_entropy(logits, _y).item<float>());
    }

    /// <summary>One training step; returns its loss (training mode: batch norm on batch statistics).</summary>
    public float TrainStepLoss()
    {
        using var scope = NewDisposeScope();
        _model.train();
        _optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(_model.forward(_x), _y);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}
