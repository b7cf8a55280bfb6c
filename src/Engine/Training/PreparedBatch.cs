using System.Text;
using Engine.Tensors;

namespace Engine.Training;

/// <summary>A batch ready for a step: inputs and targets in the model's dtype, class weights folded
/// into the sample weights, an element weight per target value when the class weights need one.</summary>
internal readonly record struct PreparedBatch(IReadOnlyList<Tensor> X, Dictionary<string, Tensor> Y, Tensor? SampleWeight, Tensor? ElementWeight, int Size)
{
    /// <summary>This batch with every tensor on <paramref name="device"/>.</summary>
    public PreparedBatch On(Device device)
    {
        Tensor Move(Tensor t) => t.Device == device ? t : t.To(device);
        return new PreparedBatch(X.Select(Move).ToArray(), Y.ToDictionary(kv => kv.Key, kv => Move(kv.Value)),
            SampleWeight is null ? null : Move(SampleWeight), ElementWeight is null ? null : Move(ElementWeight), Size);
    }

    /// <summary>"x (128, 1, 28, 28) float32 | y:dense_1 (128) int32 | sw - | ew -": batches with the
    /// same signature can share one captured step.</summary>
    public string Signature()
    {
        static string Of(Tensor? t) => t is null ? "-" : $"{t.Shape} {t.DType.Name()}";
        var s = new StringBuilder("x ").Append(string.Join(" + ", X.Select(Of)));
        foreach (var (name, t) in Y) s.Append(" | y:").Append(name).Append(' ').Append(Of(t));
        return s.Append(" | sw ").Append(Of(SampleWeight)).Append(" | ew ").Append(Of(ElementWeight)).ToString();
    }
}
