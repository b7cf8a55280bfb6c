using Engine.Backends;
using Engine.Tensors;

namespace Engine.Autograd;

public static partial class Ops
{
    /// <summary>Inverted dropout: in training each element is zeroed with probability
    /// <paramref name="rate"/> and the rest scaled by 1/(1 - rate), so inference needs no rescaling.
    /// The mask is a pure function of (seed, element index) — see <see cref="Backends.CounterRng"/> —
    /// so the same seed gives the same mask on every backend. Returns x itself when not training
    /// or when rate is 0.</summary>
    public static Tensor Dropout(Tensor x, double rate, bool training, ulong seed)
    {
        const string op = "dropout";
        RequireFloat(op, x);
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"{op}: rate must be in the range [0, 1) (the fraction of inputs to drop); received {rate}.");
        if (!training || rate == 0) return x;
        var y = Tensor.EmptyLike(x);
        var mask = Tensor.EmptyLike(x);
        x.Backend.DropoutForward(x, y, mask, x.Size, rate, seed);
        if (!Tape.WillRecord(x))
        {
            mask.Dispose();
            return y;
        }
        Tape.Record(op, y, [x], (x, mask), static (in s, dy, grad) =>
        {
            dy.Backend.MulBackward(s.x, s.mask, dy, grad(s.x), null, dy.Size); // dx += dy·mask
            s.mask.Dispose(); // a node's backward runs at most once
        });
        return y;
    }
}
