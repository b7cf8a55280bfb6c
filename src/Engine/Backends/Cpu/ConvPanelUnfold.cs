using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Engine.Backends.Cpu;

/// <summary>Implicit im2col of one column panel for the conv backward kernels (the transposed-convolution
/// input gradient and the implicit-im2col kernel gradient), built for short output rows.
///
/// A panel of columns is a few stretches of output rows ("runs"); for each kernel tap (i, j) every run is
/// a copy of a row stretch of one input channel with padding lanes zeroed. Which source offset and which
/// lanes are inside depends on the tap and the run, never on the channel, so those "segments" are worked
/// out once per panel and then replayed for every channel, each as one or two AVX-512 masked loads and
/// stores (16 floats each: masked-off lanes read nothing and store zeros). The general packer
/// (CpuConvGemm.PackFromImage) recomputes the clamps for every (channel, tap, run) and copies through a
/// Memmove call per run, which dominates on 8- and 16-wide rows. Both write exactly im2col's values.
/// With 'same' rows (W = OW) a panel is contiguous in x across row ends, so it is packed in 16-lane pieces
/// that ignore the rows (<see cref="PackDense"/>).</summary>
internal static unsafe class ConvPanelUnfold
{
    /// <summary>Most (tap, run) segments one panel may have here (a stack buffer); larger kernels or
    /// panels of many very short rows take the general packer.</summary>
    private const int MaxSegments = 1024;

    /// <summary>One (tap, run) piece of a packed row: Length lanes at At, of which [First, End) are read
    /// from the channel at Offset (relative to the channel's start; lane c reads Offset + c); a row outside
    /// the image has First = End = 0.</summary>
    private readonly record struct Segment(int At, int Length, long Offset, int First, int End);

    /// <summary>Whether <see cref="Pack"/> serves this source: AVX-512, stride 1.</summary>
    public static bool Serves(in Conv2DGeometry g) => Enabled && Avx512F.IsSupported && g.SW == 1 && g.SH == 1;

    /// <summary>Off sends every panel to the general packer (ConvBackwardBenchmarks measures both; the
    /// values are the same either way).</summary>
    internal static bool Enabled { get; set; } = true;

    /// <summary>Off sends 'same'-width panels to the row-run segments too (ConvForwardDxBenchmarks; same values).
    /// On, rows narrower than 16 take the dense pieces: ResNet-20 stage 3 (8 wide, batch 128) forward 0.87×,
    /// transposed input gradient 0.81×, ResNet18's 4×4 layer3 0.88× / 0.89× (fwd-ab, one thread); on 16-wide
    /// rows the row runs are already whole 16-lane pieces (the dense plan lost 1.07–1.15× there).</summary>
    internal static bool DenseEnabled { get; set; } = true;

    /// <summary>Most 16-lane pieces one panel may have on the dense path (their masks live on the stack).</summary>
    private const int MaxPieces = 256;

    /// <summary>dst[p·width + c] = col[p, j0 + c] for c &lt; nc and zero for nc ≤ c &lt; width, p over
    /// (channel, i, j) in im2col's order; falls back to CpuConvGemm.PackFromImage where this one does not
    /// apply. Writes nothing outside dst[0, K·width).</summary>
    public static void Pack(in CpuConvGemm.ImageSource source, int j0, int nc, int width, float* dst)
    {
        ref readonly var s = ref source.G;
        var taps = s.KH * s.KW;
        if (!Serves(s) || (long)taps * (nc / Math.Max(1, s.OW) + 2) > MaxSegments)
        {
            CpuConvGemm.PackFromImage(source, j0, nc, width, dst);
            return;
        }
        if (DenseEnabled && s.OW < 16 && s.W == s.OW && s.H == s.OH && (long)taps * (nc / 16 + nc / Math.Max(1, s.OH * s.OW) + 3) <= MaxPieces)
        {
            PackDense(source, j0, nc, width, dst);
            return;
        }
        Span<Segment> segments = stackalloc Segment[MaxSegments];
        var count = Plan(source, j0, nc, segments);
        var perTap = count / taps;
        for (var ci = 0; ci < s.C; ci++)
        {
            var channel = source.X + ci * source.ChannelStride;
            var row = dst + (long)ci * taps * width;
            for (var q = 0; q < taps; q++, row += width)
            {
                for (var r = q * perTap; r < (q + 1) * perTap; r++)
                {
                    var seg = segments[r];
                    CopyMasked(channel + seg.Offset, row + seg.At, seg.Length, seg.First, seg.End);
                }
                if (nc < width) new Span<float>(row + nc, width - nc).Clear();
            }
        }
    }

    /// <summary>Output planes the size of the input planes (stride 1, 'same' padding): within one image, output
    /// pixel p reads tap (i, j) at input offset (i − PH)·W + (j − PW) + p, so a panel's columns are contiguous
    /// in x for every tap, across row ends. Each 16 columns are then one masked load whatever the row width
    /// (8-, 4- and 2-wide rows took 2, 4 and 8 segments per 16 lanes on the row-run path), the mask zeroing
    /// the lanes whose tap falls in the padding. The lanes, offsets and masks are worked out once per panel
    /// and replayed for every channel, as on the row-run path; the values are the same. When images follow
    /// each other in x (ImageStride = H·W) a piece may also cross from one image into the next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackDense(in CpuConvGemm.ImageSource source, int j0, int nc, int width, float* dst)
    {
        ref readonly var s = ref source.G;
        var pixels = s.OH * s.OW;
        var taps = s.KH * s.KW;
        var pieces = stackalloc Piece[MaxPieces];
        var maskBuffer = stackalloc float[MaxPieces * 16 + 16];
        var masks = (float*)(((nint)maskBuffer + 63) & ~(nint)63);
        var allSet = BitConverter.Int32BitsToSingle(-1);
        // Images one after the other (the gradient rows dyT [F][N][P], an input of as many pixels as the
        // output): a 16-lane piece may run on into the next image.
        var acrossImages = source.ImageStride == pixels;
        var count = 0;
        for (var i = 0; i < s.KH; i++)
            for (var j = 0; j < s.KW; j++)
                for (var col = j0; col < j0 + nc;)
                {
                    var (image, pixel) = Math.DivRem(col, pixels);
                    var length = Math.Min(16, Math.Min(acrossImages ? int.MaxValue : pixels - pixel, j0 + nc - col));
                    var m = masks + count * 16;
                    var (oy, ox) = Math.DivRem(pixel, s.OW);
                    for (var l = 0; l < 16; l++)
                    {
                        var (iy, ix) = (oy - s.PH + i, ox - s.PW + j);
                        m[l] = l < length && iy >= 0 && iy < s.H && ix >= 0 && ix < s.W ? allSet : 0f;
                        if (++ox == s.OW) (ox, oy) = (0, oy + 1 == s.OH ? 0 : oy + 1); // next row, or the next image's first
                    }
                    pieces[count++] = new Piece(col - j0, length, image * source.ImageStride + (long)(i - s.PH) * s.W + (j - s.PW) + pixel);
                    col += length;
                }
        var perTap = count / taps;
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (var ci = 0; ci < s.C; ci++)
        {
            var channel = source.X + ci * source.ChannelStride;
            var row = dst + (long)ci * taps * width;
            for (var q = 0; q < taps; q++, row += width)
            {
                for (var r = q * perTap; r < (q + 1) * perTap; r++)
                {
                    var piece = pieces[r];
                    var v = Avx512F.MaskLoad(channel + piece.Offset, Vector512.Load(masks + r * 16), Vector512<float>.Zero);
                    if (piece.Length == 16) v.Store(row + piece.At);
                    else Avx512F.MaskStore(row + piece.At, Vector512.LessThan(lanes, Vector512.Create(piece.Length)).AsSingle(), v);
                }
                if (nc < width) new Span<float>(row + nc, width - nc).Clear();
            }
        }
    }

    /// <summary>One 16-lane piece of a dense panel row: Length columns at At, lane l read at Offset + l where its mask is set.</summary>
    private readonly record struct Piece(int At, int Length, long Offset);

    /// <summary>Splits columns [j0, j0 + nc) into runs along output rows and writes, tap by tap (im2col's
    /// (i, j) order), one segment per run. Returns the number of segments (taps × runs).</summary>
    private static int Plan(in CpuConvGemm.ImageSource source, int j0, int nc, Span<Segment> segments)
    {
        ref readonly var s = ref source.G;
        var pixels = s.OH * s.OW;
        var count = 0;
        for (var i = 0; i < s.KH; i++)
            for (var j = 0; j < s.KW; j++)
            {
                // Output columns ox whose tap lands inside the row: ox − PW + j in [0, W) (stride 1).
                var oxFirst = s.PW - j;
                var oxEnd = s.W + s.PW - j;
                for (var col = j0; col < j0 + nc;)
                {
                    var (image, pixel) = Math.DivRem(col, pixels);
                    var (oy, ox) = Math.DivRem(pixel, s.OW);
                    var length = Math.Min(s.OW - ox, j0 + nc - col);
                    var iy = oy - s.PH + i;
                    if (iy < 0 || iy >= s.H) segments[count++] = new Segment(col - j0, length, 0, 0, 0);
                    else
                    {
                        var first = Math.Clamp(oxFirst - ox, 0, length);
                        var end = Math.Clamp(oxEnd - ox, first, length);
                        var offset = image * source.ImageStride + (long)iy * s.W - s.PW + j + ox;
                        segments[count++] = new Segment(col - j0, length, offset, first, end);
                    }
                    col += length;
                }
            }
        return count;
    }

    /// <summary>d[c] = first ≤ c &lt; end ? src[c] : 0 for c &lt; length; reads only src[first, end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyMasked(float* src, float* d, int length, int first, int end)
    {
        var lanes = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var vFirst = Vector512.Create(first);
        var vEnd = Vector512.Create(end);
        var vLength = Vector512.Create(length);
        for (var c0 = 0; c0 < length; c0 += 16, lanes += Vector512.Create(16))
        {
            var read = (Vector512.GreaterThanOrEqual(lanes, vFirst) & Vector512.LessThan(lanes, vEnd)).AsSingle();
            var v = Avx512F.MaskLoad(src + c0, read, Vector512<float>.Zero);
            if (c0 + 16 <= length) v.Store(d + c0);
            else Avx512F.MaskStore(d + c0, Vector512.LessThan(lanes, vLength).AsSingle(), v);
        }
    }
}
