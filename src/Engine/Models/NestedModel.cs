using System.Text.Json.Nodes;
using Engine.Layers;
using Engine.Serialization;
using Engine.Tensors;

namespace Engine.Models;

/// <summary>A model used as a layer of another model (Keras lets a Model be called like a layer):
/// a backbone inside a classifier. Made by <see cref="Model.AsLayer"/> (one per model, so every
/// application shares the weights). It holds no weights of its own: it exposes the inner model's,
/// named "model_name/layer/weight". Setting <see cref="Layer.Trainable"/> freezes or unfreezes every
/// inner layer, and a frozen inner BatchNormalization runs in inference mode, as in Keras. Summary
/// shows it as one row ("backbone (Functional)"), expanded with <c>Summary(expandNested: true)</c>.</summary>
public sealed class NestedModel : Layer
{
    internal NestedModel(Model model) : base(null, null)
    {
        Model = model;
        if (model.Name is "functional" or "sequential") RenameAuto(model.Name);
        else AssignName(model.Name);
        if (model.Built && model.OutputNames.Count != 1)
            throw new ArgumentException($"Model '{model.Name}' has {model.OutputNames.Count} outputs ({string.Join(", ", model.OutputNames)}); only a single-output model can be used as a layer.");
        foreach (var layer in model.Layers) layer.Owner = this;
    }

    /// <summary>The inner model.</summary>
    public Model Model { get; }

    public override string ClassName => Model is Sequential ? "Sequential" : "Functional";

    public override IReadOnlyList<Variable> Weights => Model.Weights;

    public override IReadOnlyList<Variable> TrainableWeights => Trainable ? Model.Layers.SelectMany(l => l.TrainableWeights).ToList() : [];

    internal override void AddTrainableTensors(List<Tensor> into)
    {
        if (!Trainable) return;
        var layers = Model.Layers;
        for (var i = 0; i < layers.Count; i++) layers[i].AddTrainableTensors(into);
    }

    public override IReadOnlyList<Variable> NonTrainableWeights => Trainable ? Model.Layers.SelectMany(l => l.NonTrainableWeights).ToList() : Model.Weights;

    private protected override void OnTrainableChanged(bool trainable)
    {
        foreach (var layer in Model.Layers) layer.Trainable = trainable;
    }

    internal override void MoveTo(Device device) => Model.To(device);

    public override int[] ComputeOutputShape(int[] inputShape) => OutputShapeFor([inputShape]);

    internal override int[] OutputShapeFor(IReadOnlyList<int[]> inputShapes)
    {
        if (inputShapes.Count != Model.InputCount)
            throw new ArgumentException($"Layer \"{Name}\" (model '{Model.Name}') expects {Model.InputCount} input(s), but it received {inputShapes.Count} input tensors.");
        if (Model.Built)
        {
            for (var k = 0; k < inputShapes.Count; k++)
                if (!inputShapes[k].AsSpan().SequenceEqual(Model.InputShapes![k]))
                    throw Incompatible($"expected shape {WithBatch(Model.InputShapes![k])}, received {WithBatch(inputShapes[k])}.", k);
            return Model.OutputShapes.Values.Single();
        }
        if (Model is Sequential sequential)
        {
            // A Sequential without a declared input shape learns it here, as Keras builds it on first call.
            sequential.Build(inputShapes[0]);
            foreach (var layer in Model.Layers) layer.Owner = this;
            return Model.OutputShapes.Values.Single();
        }
        throw new InvalidOperationException($"Model '{Model.Name}' is not built.");
    }

    internal override void BuildFor(IReadOnlyList<int[]> inputShapes, DType dtype, Device device, ulong seed)
    {
        OutputShapeFor(inputShapes);
        if (Model.Weights.Count > 0 && Model.Weights[0].Value.DType != dtype)
            throw new ArgumentException($"Layer \"{Name}\" (model '{Model.Name}') computes in {Model.Weights[0].Value.DType.Name()} but the outer model computes in {dtype.Name()}; " +
                                        "a model computes in one dtype: build both with the same dtype.");
        if (Model.Device != device) Model.To(device);
        if (!Built) MarkBuilt(inputShapes[0]);
    }

    internal override Tensor ForwardFor(IReadOnlyList<Tensor> inputs, CallContext context) => Model.Run(inputs, context).Values.Single();

    protected override Tensor Call(Tensor x, CallContext context) => ForwardFor([x], context);

    /// <summary>The inner model's config (as <see cref="ModelConfig"/> writes it) plus "trainable".</summary>
    public override JsonObject GetConfig()
    {
        var c = (JsonObject)ModelConfig.ToJson(Model)["config"]!.DeepClone();
        c["trainable"] = Trainable;
        return c;
    }

    internal static Layer FromConfig(string className, JsonObject c)
    {
        var inner = ModelConfig.FromJson(new JsonObject { ["class_name"] = className, ["config"] = c.DeepClone() });
        return inner.AsLayer();
    }
}
