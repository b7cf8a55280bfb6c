using Engine.Autograd;
using Engine.Layers;
using Engine.Losses;
using Engine.Models;
using Engine.Tensors;

namespace Engine.Tests.Tensors;

/// <summary><see cref="TensorRecycler"/>: a training step's temporaries are reused by the next step,
/// a reference kept past its step is caught, and what the user holds is never reused. Runs with the
/// allocation tests (alone): the free lists are per thread, but poisoning scopes are process-wide.</summary>
[Collection(AllocationCollection.Name)]
public class TensorRecyclingTests
{
    /// <summary>A layer that (wrongly) keeps its last output in a field: the user-code mistake the
    /// recycler must catch.</summary>
    private sealed class KeepsLastOutput : Layer
    {
        public Tensor? Last;

        public KeepsLastOutput() : base(null, null) { }

        public override int[] ComputeOutputShape(int[] inputShape) => inputShape;

        protected override Tensor Call(Tensor x, CallContext context) => Last = Ops.Relu(x);
    }

    private static Tensor StepTemporary(Tensor x)
    {
        using var step = TensorRecycler.BeginStep();
        using var scope = new TensorScope();
        return Ops.Relu(x);
    }

    [Fact]
    public void AnIntermediateKeptPastItsStepThrowsNamingItsOpAndShape()
    {
        using var x = Tensor.FromArray(new float[] { -1, 2, -3, 4, 5, -6 }, 2, 3);
        x.RequiresGrad = true;
        var stale = StepTemporary(x);
        var e = Assert.Throws<ObjectDisposedException>(() => stale.Storage);
        Assert.Contains("'relu'", e.Message);
        Assert.Contains("(2, 3)", e.Message.Replace("[", "(").Replace("]", ")"));
        Assert.Contains("released at the end of the training step", e.Message);
        Assert.Throws<ObjectDisposedException>(() => stale.Shape);
        Assert.Throws<ObjectDisposedException>(() => stale.ToArray<float>());
        Assert.Throws<ObjectDisposedException>(() => Ops.Add(stale, x));
        Assert.Throws<ObjectDisposedException>(() => stale.Backward());
        stale.Dispose(); // disposing a dead tensor again is harmless

        // Negative control: the same op outside a step is only disposed by its scope, never recycled.
        Tensor plain;
        using (new TensorScope()) plain = Ops.Relu(x);
        var disposed = Assert.Throws<ObjectDisposedException>(() => plain.Storage);
        Assert.DoesNotContain("training step", disposed.Message);
        Assert.Equal(new Shape(2, 3), plain.Shape); // a plain disposed tensor still knows its shape
    }

    [Fact]
    public void AnUntrackedCloneOutlivesItsStep()
    {
        using var x = Tensor.FromArray(new float[] { -1, 2, -3 });
        Tensor stale, kept;
        using (TensorRecycler.BeginStep())
        using (new TensorScope())
        {
            stale = Ops.Relu(x);
            using (TensorScope.Untracked()) kept = stale.Clone();
        }
        Assert.Throws<ObjectDisposedException>(() => stale.ToArray<float>());
        using (kept) Assert.Equal(new float[] { 0, 2, 0 }, kept.ToArray<float>());
    }

    [Fact]
    public void ALayerThatKeepsItsOutputAcrossTrainOnBatchIsCaught()
    {
        var keeper = new KeepsLastOutput();
        using var model = new Sequential([new Input(4), new Dense(3), keeper, new Dense(2)], seed: 1);
        model.Compile(optimizer: "sgd", loss: new SparseCategoricalCrossentropy(fromLogits: true));
        using var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 0, 1, 0, 1 }, 2, 4);
        using var y = Tensor.FromArray(new[] { 0, 1 });
        model.TrainOnBatch(x, y);
        var kept = keeper.Last!;
        var e = Assert.Throws<ObjectDisposedException>(() => kept.ToArray<float>());
        Assert.Contains("released at the end of the training step", e.Message);
        using (TensorRecycler.ReuseWhilePoisoned()) model.TrainOnBatch(x, y);
        Assert.NotNull(keeper.Last);

        // What the user holds stays alive through further steps: weights, and Predict's result.
        using var predicted = model.Predict(x);
        var before = predicted.ToArray<float>();
        model.TrainOnBatch(x, y);
        Assert.Equal(before, predicted.ToArray<float>());
        Assert.All(model.TrainableWeights, w => Assert.False(w.IsDisposed));
        Assert.Equal(2 * 4, x.Size);
        Assert.Equal(new[] { 0, 1 }, y.ToArray<int>());
    }

    [Fact]
    public void ARecycledObjectIsReusedByTheNextStepInNormalMode()
    {
        using var reuse = TensorRecycler.ReuseWhilePoisoned(); // measures the normal mode, also in CI's poisoned run
        using var x = Tensor.FromArray(new float[] { 1, -2, 3 });
        var first = StepTemporary(x);
        var storage = default(Storage);
        Tensor second;
        using (TensorRecycler.BeginStep())
        using (var scope = new TensorScope())
        {
            second = Ops.Relu(x);
            storage = second.Storage;
            Assert.Same(first, second); // the dead object lives again, as this step's tensor
            Assert.Equal(new float[] { 1, 0, 3 }, second.ToArray<float>());
        }
        using (TensorRecycler.BeginStep())
        using (new TensorScope())
            Assert.Same(storage, Ops.Relu(x).Storage); // storage objects come back too
    }

    [Fact]
    public void UnderPoisoningADeadObjectIsNeverHandedOutAgain()
    {
        using var poison = CpuArrayPool.PoisonScope();
        using var x = Tensor.FromArray(new float[] { 1, -2, 3 });
        var stale = StepTemporary(x);
        for (var i = 0; i < 20; i++) Assert.NotSame(stale, StepTemporary(x));
        Assert.Throws<ObjectDisposedException>(() => stale.Shape); // still dead, so still caught
    }

    [Fact]
    public void TensorsTheStepDidNotMakeAreNeverRecycled()
    {
        using var reuse = TensorRecycler.ReuseWhilePoisoned();
        var outside = Tensor.FromArray(new float[] { 1, 2 });
        Tensor kept, made;
        using (TensorRecycler.BeginStep())
        {
            using (var scope = new TensorScope())
            {
                outside.Dispose(); // made before the step: disposed, but not reused
                kept = scope.Keep(Ops.MulScalar(outside.IsDisposed ? Tensor.FromArray(new float[] { 3 }) : outside, 2));
            }
            made = Tensor.Zeros(new Shape(2));
        }
        Assert.NotSame(outside, made);
        Assert.Equal(new float[] { 6 }, kept.ToArray<float>()); // kept: handed out of the scope, alive
        using (TensorRecycler.BeginStep())
        using (new TensorScope())
        {
            var next = Tensor.Zeros(new Shape(1));
            Assert.NotSame(kept, next);
        }
        Assert.Equal(new float[] { 6 }, kept.ToArray<float>());
        kept.Dispose();
        made.Dispose();
    }
}
