using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Engine.Backends.Cpu;

/// <summary>The GEMM loop of the transposed-convolution input gradient (CpuConvGemm.InputGrad):
/// dx [N, C, H·W] (+)= flippedW [C, K] · unfold(dz) with K = F·KH·KW, each NR-wide column panel of the
/// unfolded gradient packed straight from dz by <see cref="ConvPanelUnfold"/> and multiplied by every
/// MR-row panel of the filters over the whole of k; finished tiles are added to (or overwrite) their NCHW
/// place. Panels are spread over the cores; each dx element is one dot product computed by one thread in
/// a fixed order, so the result does not depend on the thread count.</summary>
internal static unsafe class CpuConvInputGrad
{
    /// <summary>Column panels per parallel work item.</summary>
    private const int PanelsPerItem = 4;

    /// <summary>packedW: the flipped filters packed by GemmPacking.PackA (C rows, K deep); source: dz as the
    /// transposed convolution's image; dx: N×C×pixels.</summary>
    public static void Run<TKernel>(float* packedW, in CpuConvGemm.ImageSource source, float* dx, int channels, int k, int images, int pixels,
        bool accumulate) where TKernel : struct, IGemmKernel
    {
        var columns = images * pixels;
        var job = new Job(packedW, source, dx, channels, k, pixels, columns, accumulate);
        var panels = (columns + TKernel.NR - 1) / TKernel.NR;
        var items = (panels + PanelsPerItem - 1) / PanelsPerItem;
        if (items > 1 && 2L * channels * k * columns >= 2_000_000) CpuParallel.For(items, job, static (j, item) => RunPanels<TKernel>(j, item));
        else for (var item = 0; item < items; item++) RunPanels<TKernel>(job, item);
    }

    private readonly struct Job(float* packedW, CpuConvGemm.ImageSource source, float* dx, int channels, int k, int pixels, int columns, bool accumulate)
    {
        public readonly float* PackedW = packedW, Dx = dx;
        public readonly CpuConvGemm.ImageSource Source = source;
        public readonly int Channels = channels, K = k, Pixels = pixels, Columns = columns;
        public readonly bool Accumulate = accumulate;
    }

    private static void RunPanels<TKernel>(in Job job, int item) where TKernel : struct, IGemmKernel
    {
        var (mr, nr) = (TKernel.MR, TKernel.NR);
        var scratch = GemmScratch.ForThisThread;
        var packedB = scratch.B(job.K * nr);
        var tile = scratch.Tile(mr * nr);
        var first = item * PanelsPerItem * nr;
        var last = Math.Min(job.Columns, first + PanelsPerItem * nr);
        for (var j0 = first; j0 < last; j0 += nr)
        {
            var nc = Math.Min(nr, job.Columns - j0);
            ConvPanelUnfold.Pack(job.Source, j0, nc, nr, packedB);
            for (var i0 = 0; i0 < job.Channels; i0 += mr)
            {
                TKernel.Run(job.K, job.PackedW + (long)i0 * job.K, packedB, tile, nr, 0f);
                var rows = Math.Min(mr, job.Channels - i0);
                for (var r = 0; r < rows; r++) StoreRow(job, tile + r * nr, i0 + r, j0, nc);
            }
        }
    }

    /// <summary>Writes (or adds) nc finished values of channel c, columns j0.. (which may span images), to NCHW dx.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(in Job job, float* values, int c, int j0, int nc)
    {
        var (image, pixel) = Math.DivRem(j0, job.Pixels);
        for (var j = 0; j < nc;)
        {
            var run = Math.Min(nc - j, job.Pixels - pixel);
            var dst = job.Dx + ((long)image * job.Channels + c) * job.Pixels + pixel;
            var src = values + j;
            var i = 0;
            if (job.Accumulate)
            {
                for (; i <= run - 8; i += 8) (Vector256.Load(dst + i) + Vector256.Load(src + i)).Store(dst + i);
                for (; i < run; i++) dst[i] += src[i];
            }
            else
            {
                for (; i <= run - 8; i += 8) Vector256.Load(src + i).Store(dst + i);
                for (; i < run; i++) dst[i] = src[i];
            }
            j += run;
            (image, pixel) = (image + 1, 0);
        }
    }
}
