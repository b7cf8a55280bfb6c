using System.Buffers;
using System.Numerics;
using Engine.Backends;
using Engine.Tensors;

namespace Engine.Data;

/// <summary>Random image augmentation in the manner of Keras's ImageDataGenerator, on CHW float
/// images, seeded: the same seed gives the same result on any thread, so a dataset's batches depend
/// only on (dataset seed, epoch). Steps, in this order: one affine warp (rotation, shift, zoom;
/// bilinear, edges by <see cref="FillMode"/>), exact flips, brightness, contrast, clipping, rescale.
/// <code>
/// var aug = new Augmentation { HorizontalFlip = true, RotationRange = 15, WidthShiftRange = 0.1,
///                              HeightShiftRange = 0.1, ZoomRange = 0.1, Rescale = 1 / 255.0 };
/// </code>
/// For validation data use only the deterministic part: <c>new Augmentation { Rescale = 1 / 255.0 }</c>.</summary>
public sealed class Augmentation
{
    /// <summary>Mirror left-right with probability 1/2.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Mirror top-bottom with probability 1/2.</summary>
    public bool VerticalFlip { get; init; }

    /// <summary>Rotate by an angle drawn uniformly from [-r, r] degrees about the centre.</summary>
    public double RotationRange { get; init; }

    /// <summary>Shift horizontally by a fraction of the width drawn uniformly from [-r, r].</summary>
    public double WidthShiftRange { get; init; }

    /// <summary>Shift vertically by a fraction of the height drawn uniformly from [-r, r].</summary>
    public double HeightShiftRange { get; init; }

    /// <summary>Scale about the centre by a factor drawn uniformly from [1 - r, 1 + r]; above 1 the
    /// content grows (zooms in). One factor for both axes, so shapes keep their aspect ratio.</summary>
    public double ZoomRange { get; init; }

    /// <summary>Multiply all values by a factor drawn uniformly from [Min, Max] (e.g. (0.8, 1.2)).</summary>
    public (double Min, double Max)? BrightnessRange { get; init; }

    /// <summary>Scale each channel's deviation from its mean by a factor drawn uniformly from
    /// [1 - r, 1 + r] (Keras's RandomContrast).</summary>
    public double ContrastRange { get; init; }

    /// <summary>Clamp values to this range after brightness and contrast, e.g. (0, 255); none by default.</summary>
    public (float Min, float Max)? ClipRange { get; init; }

    /// <summary>Multiply every value by this last (1/255 maps 0..255 to 0..1); deterministic, so it is
    /// also what a validation set's augmentation should hold.</summary>
    public double? Rescale { get; init; }

    public FillMode FillMode { get; init; } = FillMode.Nearest;

    /// <summary>The value <see cref="FillMode.Constant"/> fills with.</summary>
    public float FillValue { get; init; }

    private bool HasWarp => RotationRange != 0 || WidthShiftRange != 0 || HeightShiftRange != 0 || ZoomRange != 0;

    /// <summary>Whether any step draws random numbers (false for a rescale-only augmentation).</summary>
    public bool IsRandom => HasWarp || HorizontalFlip || VerticalFlip || BrightnessRange is not null || ContrastRange != 0;

    /// <summary>Throws if a range is out of its domain (negative, zoom ≥ 1, brightness min > max).</summary>
    public void Validate()
    {
        static void NonNegative(double v, string name)
        {
            if (!(v >= 0) || double.IsInfinity(v))
                throw new ArgumentException($"Augmentation.{name} must be a finite number >= 0; received {v}.");
        }
        NonNegative(RotationRange, nameof(RotationRange));
        NonNegative(WidthShiftRange, nameof(WidthShiftRange));
        NonNegative(HeightShiftRange, nameof(HeightShiftRange));
        NonNegative(ZoomRange, nameof(ZoomRange));
        NonNegative(ContrastRange, nameof(ContrastRange));
        if (ZoomRange >= 1)
            throw new ArgumentException($"Augmentation.ZoomRange must be below 1 (factors are drawn from [1 - r, 1 + r]); received {ZoomRange}.");
        if (BrightnessRange is { } b && !(b.Min >= 0 && b.Min <= b.Max))
            throw new ArgumentException($"Augmentation.BrightnessRange must satisfy 0 <= Min <= Max; received ({b.Min}, {b.Max}).");
        if (ClipRange is { } c && !(c.Min <= c.Max))
            throw new ArgumentException($"Augmentation.ClipRange must satisfy Min <= Max; received ({c.Min}, {c.Max}).");
    }

    /// <summary>Augments one CHW image in place with random numbers drawn from <paramref name="seed"/>.</summary>
    public void Apply(Span<float> image, int channels, int height, int width, ulong seed) =>
        Apply(image, channels, height, width, new Rng(seed));

    /// <summary>Augments one CHW image in place, drawing from <paramref name="rng"/>. Every draw is
    /// made whether or not its step is enabled, so switching one step on does not change the others.</summary>
    public void Apply(Span<float> image, int channels, int height, int width, Rng rng)
    {
        if (image.Length != channels * height * width)
            throw new ArgumentException($"a CHW image of ({channels}, {height}, {width}) has {channels * height * width} values; received {image.Length}.", nameof(image));
        var flipH = rng.NextDouble() < 0.5;
        var flipV = rng.NextDouble() < 0.5;
        var angle = Uniform(rng, -RotationRange, RotationRange) * Math.PI / 180;
        var shiftX = Uniform(rng, -WidthShiftRange, WidthShiftRange) * width;
        var shiftY = Uniform(rng, -HeightShiftRange, HeightShiftRange) * height;
        var zoom = Uniform(rng, 1 - ZoomRange, 1 + ZoomRange);
        var brightness = BrightnessRange is { } br ? Uniform(rng, br.Min, br.Max) : Uniform(rng, 1, 1);
        var contrast = Uniform(rng, 1 - ContrastRange, 1 + ContrastRange);

        if (HasWarp) Warp(image, channels, height, width, angle, shiftX, shiftY, zoom);
        if (HorizontalFlip && flipH) ImageOps.FlipHorizontal(image, channels, height, width);
        if (VerticalFlip && flipV) ImageOps.FlipVertical(image, channels, height, width);
        if (BrightnessRange is not null || ContrastRange != 0 || ClipRange is not null || Rescale is not null)
            Photometric(image, channels, height * width,
                BrightnessRange is not null ? (float)brightness : 1f,
                ContrastRange != 0 ? (float)contrast : 1f,
                ContrastRange != 0, ClipRange, Rescale is { } r ? (float)r : 1f);
    }

    /// <summary>Augments every image of an NCHW batch (a copy; the input is unchanged); image i uses
    /// the seed derived from (seed, i).</summary>
    public Tensor Apply(Tensor batch, ulong seed)
    {
        if (batch.Rank != 4 || batch.DType != DType.Float32)
            throw new ArgumentException($"Augmentation.Apply expects a float32 NCHW batch of rank 4; received {batch}.", nameof(batch));
        var data = batch.ToArray<float>();
        int n = batch.Shape[0], c = batch.Shape[1], h = batch.Shape[2], w = batch.Shape[3];
        var size = c * h * w;
        for (var i = 0; i < n; i++)
            Apply(data.AsSpan(i * size, size), c, h, w, CounterRng.Hash(seed, (uint)i));
        return Tensor.FromArray(data, batch.Shape);
    }

    private static double Uniform(Rng rng, double low, double high) => low + (high - low) * rng.NextDouble();

    /// <summary>Rotates by <paramref name="angle"/> (radians), shifts by (shiftX, shiftY) pixels and zooms by
    /// <paramref name="zoom"/>, all about the image centre; internal so tests can pin the geometry.</summary>
    internal void Warp(Span<float> image, int channels, int height, int width, double angle, double shiftX, double shiftY, double zoom)
    {
        // Forward map (source to output) about the centre: out = C + t + zoom * R(angle) * (src - C).
        // The warp needs the inverse: src = C + R(-angle) * (out - C - t) / zoom.
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        double cos = Math.Cos(angle) / zoom, sin = Math.Sin(angle) / zoom;
        double ox = cx + shiftX, oy = cy + shiftY;
        Span<double> m =
        [
            cos, sin, cx - cos * ox - sin * oy,
            -sin, cos, cy + sin * ox - cos * oy,
        ];
        var scratch = ArrayPool<float>.Shared.Rent(image.Length);
        try
        {
            var src = scratch.AsSpan(0, image.Length);
            image.CopyTo(src);
            ImageOps.WarpAffine(src, image, channels, height, width, m, FillMode, FillValue);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Brightness, contrast, clipping and rescale in one pass per channel:
    /// v = clip(mean + (v * brightness - mean) * contrast) * rescale, where mean is the channel's
    /// mean after brightness (contrast keeps it).</summary>
    private void Photometric(Span<float> image, int channels, int plane, float brightness, float contrast, bool useContrast,
        (float Min, float Max)? clip, float rescale)
    {
        var (lo, hi) = clip ?? (float.NegativeInfinity, float.PositiveInfinity);
        for (var c = 0; c < channels; c++)
        {
            var p = image.Slice(c * plane, plane);
            var mean = 0f;
            if (useContrast)
            {
                double sum = 0;
                foreach (var v in p) sum += v;
                mean = (float)(sum / plane) * brightness;
            }
            // Element-wise, so SIMD gives bit-identical results to the scalar tail on any machine.
            var i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vb = new Vector<float>(brightness);
                var vc = new Vector<float>(useContrast ? contrast : 1f);
                var vm = new Vector<float>(mean);
                var vlo = new Vector<float>(lo);
                var vhi = new Vector<float>(hi);
                var vr = new Vector<float>(rescale);
                for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    var v = new Vector<float>(p[i..]) * vb;
                    v = vm + (v - vm) * vc;
                    (Vector.Min(Vector.Max(v, vlo), vhi) * vr).CopyTo(p[i..]);
                }
            }
            for (; i < p.Length; i++)
            {
                var v = p[i] * brightness;
                v = mean + (v - mean) * (useContrast ? contrast : 1f);
                p[i] = Math.Min(Math.Max(v, lo), hi) * rescale;
            }
        }
    }
}
