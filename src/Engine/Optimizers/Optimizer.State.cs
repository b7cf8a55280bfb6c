using System.Globalization;
using Engine.Tensors;

namespace Engine.Optimizers;

public abstract partial class Optimizer
{
    /// <summary>Key of the step counter in <see cref="GetState"/> (a float64 scalar).</summary>
    public const string IterationsKey = "iterations";

    /// <summary>Key of the base learning rate in <see cref="GetState"/> (a float64 scalar).</summary>
    public const string LearningRateKey = "learning_rate";

    /// <summary>Everything a resumed run needs to continue bitwise identically: "iterations",
    /// "learning_rate" (float64 scalars) and "state.{i}.{name}" for each state buffer of parameter i,
    /// with PyTorch's buffer names (exp_avg, exp_avg_sq, max_exp_avg_sq, momentum_buffer,
    /// square_avg). The tensors are fresh CPU copies owned by the caller (ready for
    /// Safetensors.Save); parameters that never had a gradient have no entries.</summary>
    public IReadOnlyDictionary<string, Tensor> GetState(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        for (var i = 0; i < _slots.Count; i++)
        {
            if (_slots[i] is null) continue;
            if (i >= parameters.Count)
                throw new ArgumentException($"The optimizer holds state for parameter {i}, but only {parameters.Count} parameters were passed; pass the same list as to Step.");
            CheckParameter(i, parameters[i]);
        }
        var state = new Dictionary<string, Tensor>
        {
            [IterationsKey] = Tensor.Scalar(Iterations, DType.Float64),
            [LearningRateKey] = Tensor.Scalar(LearningRate, DType.Float64),
        };
        for (var i = 0; i < _slots.Count; i++)
            if (_slots[i] is { } slots)
                foreach (var (key, t) in slots)
                    state[SlotKey(i, key)] = t.To(Device.Cpu);
        return state;
    }

    /// <summary>Restores what <see cref="GetState"/> returned (for example after Safetensors.Load):
    /// copies the buffers to each parameter's device and dtype and sets Iterations and
    /// LearningRate. Unknown entries, parameter indices out of range and shape mismatches are
    /// errors; the optimizer is left unchanged when one is found.</summary>
    public void SetState(IReadOnlyList<Tensor> parameters, IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(state);
        if (!state.TryGetValue(IterationsKey, out var iterTensor))
            throw new ArgumentException($"The {Name} optimizer state has no '{IterationsKey}' entry.");
        var iterations = ScalarOf(iterTensor, IterationsKey);
        if (!(iterations >= 0) || iterations != Math.Floor(iterations) || iterations > 9e15)
            throw new ArgumentException($"The {Name} optimizer state has '{IterationsKey}' = {iterations}; expected a whole number >= 0.");
        double? lr = null;
        if (state.TryGetValue(LearningRateKey, out var lrTensor))
        {
            lr = ScalarOf(lrTensor, LearningRateKey);
            if (!(lr > 0) || double.IsInfinity(lr.Value))
                throw new ArgumentException($"The {Name} optimizer state has '{LearningRateKey}' = {lr}; expected a positive finite number.");
        }

        var restored = new List<(int Index, string Slot, Tensor Source)>();
        foreach (var (key, t) in state)
        {
            if (key is IterationsKey or LearningRateKey) continue;
            if (!TryParseSlotKey(key, out var index, out var slot))
                throw new ArgumentException($"Unknown {Name} optimizer state entry '{key}'; expected '{IterationsKey}', '{LearningRateKey}' or 'state.<parameter index>.<{string.Join("|", SlotNames)}>'.");
            if (!SlotNames.Contains(slot))
                throw new ArgumentException($"The {Name} optimizer has no state buffer '{slot}' (entry '{key}'); it keeps: {string.Join(", ", SlotNames)}.");
            if (index >= parameters.Count)
                throw new ArgumentException($"State entry '{key}' is for parameter {index}, but only {parameters.Count} parameters were passed.");
            var p = parameters[index];
            if (t.Shape != p.Shape)
                throw new ArgumentException($"State entry '{key}' has shape {t.Shape}; parameter {index} ({Describe(p)}) needs {p.Shape}.");
            if (!t.DType.IsFloating())
                throw new ArgumentException($"State entry '{key}' is {t.DType.Name()}; expected a float tensor.");
            restored.Add((index, slot, t));
        }

        ClearSlots();
        using (TensorScope.Untracked())
            foreach (var (index, slot, source) in restored)
            {
                var p = parameters[index];
                var copy = source.To(p.Device);
                if (copy.DType != p.DType)
                {
                    var converted = copy.To(p.DType);
                    copy.Dispose();
                    copy = converted;
                }
                while (_slots.Count <= index) _slots.Add(null);
                (_slots[index] ??= [])[slot] = copy;
            }
        Iterations = (long)iterations;
        if (lr is { } rate) LearningRate = rate;
    }

    private static string SlotKey(int index, string slot) => $"state.{index.ToString(CultureInfo.InvariantCulture)}.{slot}";

    private static bool TryParseSlotKey(string key, out int index, out string slot)
    {
        index = -1;
        slot = "";
        var parts = key.Split('.');
        if (parts.Length != 3 || parts[0] != "state") return false;
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
        slot = parts[2];
        return true;
    }

    private double ScalarOf(Tensor t, string key) =>
        t.Size == 1 ? t.Item() : throw new ArgumentException($"The {Name} optimizer state entry '{key}' has shape {t.Shape}; expected one value.");
}
