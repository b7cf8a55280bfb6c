namespace Engine.Backends.Cpu;

/// <summary>Which kernel taps reach which output positions of one convolution pass, with the padding left
/// out exactly (for <see cref="ConvTapGemm"/>). Along each axis an output line (row or column) is reached
/// by a list of (tap, source line) pairs; lines with the same tap list form a group, and a class is one row
/// group × one column group: all its positions sum over the same taps, so the class is one dense GEMM
/// with k = taps·channels and no zeros (ResNet18's 2×2 plane with a 3×3 'same' kernel: four classes of one
/// position and four taps each, where im2col multiplies nine taps, five of them padding).
///
/// The forward pass reads source x at output y's positions through taps (i, j): row oy·SH − PH + i.
/// The input gradient is the transposed pass: dx's row iy is reached by tap i from dy's row
/// oy = (iy + PH − i) / SH when that divides exactly and 0 ≤ oy &lt; OH (so with stride 2 the phases fall
/// out as classes, and a 1×1 stride-2 kernel leaves the odd rows with no tap at all: a class of zeros).
/// A plan depends on the geometry only and is cached, so steady-state calls allocate nothing.</summary>
internal sealed class ConvTapPlan
{
    public enum Pass { Forward, InputGrad }

    /// <summary>Output plane (y for the forward, dx for the input gradient), source plane and kernel.</summary>
    public readonly int OutH, OutW, SrcH, SrcW, KH, KW, Images;

    /// <summary>One class: its output positions (oy·OutW + ox, row-major), its taps (i·KW + j, ascending) and,
    /// per position and tap, the source position (SrcOf[position index · Taps.Length + u]).</summary>
    public sealed class Class(int[] positions, int[] taps, int[] srcOf)
    {
        public readonly int[] Positions = positions, Taps = taps, SrcOf = srcOf;

        /// <summary>GEMM columns: (position index, image), the image varying fastest.</summary>
        public int Columns(int images) => Positions.Length * images;
    }

    public readonly Class[] Classes;

    /// <summary>Tap t's (output position, source position) pairs are PairOut/PairSrc[TapPairStart[t] .. TapPairStart[t + 1]),
    /// output positions ascending.</summary>
    public readonly int[] TapPairStart, PairOut, PairSrc;

    /// <summary>Whether every tap joins at least one pair (no tap lies wholly in the padding).</summary>
    public readonly bool EveryTapHasPairs;

    /// <summary>The column panels last asked for (<see cref="ConvTapPanels.For"/>; one NR per machine outside tests).</summary>
    internal ConvTapPanels? Panels { get; set; }

    /// <summary>Multiply-adds per output channel pair and image with the padding skipped, over those of im2col
    /// (OutH·OutW·KH·KW): 4/9 on a 2×2 plane with a 3×3 'same' kernel, 100/144 on 4×4.</summary>
    public readonly double ValidShare;

    private ConvTapPlan(in Conv2DGeometry g, Pass pass)
    {
        var forward = pass == Pass.Forward;
        (OutH, OutW, SrcH, SrcW) = forward ? (g.OH, g.OW, g.H, g.W) : (g.H, g.W, g.OH, g.OW);
        (KH, KW, Images) = (g.KH, g.KW, g.N);
        var rows = Lines(OutH, KH, forward, g.SH, g.PH, SrcH);
        var cols = Lines(OutW, KW, forward, g.SW, g.PW, SrcW);
        var classes = new List<Class>();
        long valid = 0;
        foreach (var rowGroup in Groups(rows))
            foreach (var colGroup in Groups(cols))
            {
                var (ri, ci) = (rows[rowGroup[0]], cols[colGroup[0]]);
                var taps = new int[ri.Count * ci.Count];
                for (var a = 0; a < ri.Count; a++)
                    for (var b = 0; b < ci.Count; b++) taps[a * ci.Count + b] = ri[a].Tap * KW + ci[b].Tap;
                var positions = new int[rowGroup.Count * colGroup.Count];
                var srcOf = new int[positions.Length * taps.Length];
                var p = 0;
                foreach (var oy in rowGroup)
                    foreach (var ox in colGroup)
                    {
                        positions[p] = oy * OutW + ox;
                        for (var a = 0; a < ri.Count; a++)
                            for (var b = 0; b < ci.Count; b++)
                                srcOf[p * taps.Length + a * ci.Count + b] = rows[oy][a].Src * SrcW + cols[ox][b].Src;
                        p++;
                    }
                valid += (long)positions.Length * taps.Length;
                classes.Add(new Class(positions, taps, srcOf));
            }
        Classes = [.. classes];
        // The same pairs tap by tap (for the weight gradient): positions ascending within each tap.
        var perTap = Enumerable.Range(0, KH * KW).Select(_ => new List<(int Out, int Src)>()).ToArray();
        foreach (var cls in Classes)
            for (var p = 0; p < cls.Positions.Length; p++)
                for (var u = 0; u < cls.Taps.Length; u++) perTap[cls.Taps[u]].Add((cls.Positions[p], cls.SrcOf[p * cls.Taps.Length + u]));
        TapPairStart = new int[KH * KW + 1];
        var pairs = perTap.SelectMany((list, t) => list.Order()).ToArray();
        for (var t = 0; t < KH * KW; t++) TapPairStart[t + 1] = TapPairStart[t] + perTap[t].Count;
        (PairOut, PairSrc) = (pairs.Select(q => q.Out).ToArray(), pairs.Select(q => q.Src).ToArray());
        EveryTapHasPairs = perTap.All(list => list.Count > 0);
        ValidShare = (double)valid / ((long)OutH * OutW * KH * KW);
    }

    /// <summary>For each output line o, the (tap, source line) pairs that land inside the source, taps ascending.</summary>
    private static List<(int Tap, int Src)>[] Lines(int outLength, int taps, bool forward, int stride, int pad, int srcLength)
    {
        var lines = new List<(int Tap, int Src)>[outLength];
        for (var o = 0; o < outLength; o++)
        {
            lines[o] = [];
            for (var t = 0; t < taps; t++)
            {
                var s = forward ? o * stride - pad + t : Transposed(o, t, pad, stride);
                if (s >= 0 && s < srcLength) lines[o].Add((t, s));
            }
        }
        return lines;
    }

    /// <summary>The dy line that tap t takes to dx line o: (o + pad − t) / stride when exact, else −1.</summary>
    private static int Transposed(int o, int t, int pad, int stride)
    {
        var d = o + pad - t;
        return d >= 0 && d % stride == 0 ? d / stride : -1;
    }

    /// <summary>Lines with the same tap list, in order of their first line.</summary>
    private static List<List<int>> Groups(List<(int Tap, int Src)>[] lines)
    {
        var groups = new List<List<int>>();
        for (var o = 0; o < lines.Length; o++)
        {
            var group = groups.Find(gr => SameTaps(lines[gr[0]], lines[o]));
            if (group is null) groups.Add([o]);
            else group.Add(o);
        }
        return groups;
    }

    private static bool SameTaps(List<(int Tap, int Src)> a, List<(int Tap, int Src)> b)
    {
        if (a.Count != b.Count) return false;
        for (var i = 0; i < a.Count; i++)
            if (a[i].Tap != b[i].Tap) return false;
        return true;
    }

    private static readonly Dictionary<(Conv2DGeometry, Pass), ConvTapPlan> Cache = [];

    /// <summary>The plan of this geometry and pass (made once, then cached; thread-safe).</summary>
    public static ConvTapPlan For(in Conv2DGeometry g, Pass pass)
    {
        var key = (g, pass);
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var plan))
            {
                plan = new ConvTapPlan(g, pass);
                if (Cache.Count >= MaxCached) Cache.Clear(); // a long-running process with many shapes stays bounded
                Cache[key] = plan;
            }
            return plan;
        }
    }

    private const int MaxCached = 256;
}
