namespace Engine.Backends.Cpu;

/// <summary>How the conv GEMM loops (CpuConvGemm's forward, CpuConvInputGrad's transposed convolution)
/// cut their work into parallel items: NR-wide column panels in groups of up to
/// <see cref="MaxPanelsPerItem"/>, and, when the columns are few (small planes: ResNet18's 4×4 and 2×2
/// layers have 512 and 128 columns at batch 32, i.e. 16 and 4 panels), smaller groups and the MR-row
/// panels of the output rows split into parts too, so that both cores get work. Each output value is
/// still one micro-kernel call over the whole of k by one thread, so the split never changes a value.</summary>
internal readonly struct ConvPanelWork
{
    /// <summary>Column panels per item when there are plenty (amortizes a claim; the previous fixed value).</summary>
    public const int MaxPanelsPerItem = 4;

    /// <summary>Items wanted at least (a few per core, so an uneven last item does not idle one).</summary>
    public const int MinItems = 8;

    /// <summary>Off gives the previous split (always 4 panels per item, never row parts), for the benchmarks.</summary>
    internal static bool Fine { get; set; } = true;

    public readonly int Columns, Nr, Rows, Mr, PanelsPerItem, ColumnItems, RowPanelsPerPart, RowParts;

    public ConvPanelWork(int columns, int nr, int rows, int mr)
    {
        (Columns, Nr, Rows, Mr) = (columns, nr, rows, mr);
        var panels = (columns + nr - 1) / nr;
        var rowPanels = (rows + mr - 1) / mr;
        PanelsPerItem = Fine ? Math.Clamp(panels / MinItems, 1, MaxPanelsPerItem) : MaxPanelsPerItem;
        ColumnItems = (panels + PanelsPerItem - 1) / PanelsPerItem;
        var parts = Fine && ColumnItems < MinItems ? Math.Min(rowPanels, (MinItems + ColumnItems - 1) / ColumnItems) : 1;
        RowPanelsPerPart = (rowPanels + Math.Max(parts, 1) - 1) / Math.Max(parts, 1);
        RowParts = RowPanelsPerPart == 0 ? 1 : (rowPanels + RowPanelsPerPart - 1) / RowPanelsPerPart;
    }

    public int Items => ColumnItems * RowParts;

    /// <summary>Item's columns [First, End) (whole panels from First) and output rows [RowFirst, RowEnd).</summary>
    public (int First, int End, int RowFirst, int RowEnd) Item(int item)
    {
        var (columnItem, part) = Math.DivRem(item, RowParts);
        var first = columnItem * PanelsPerItem * Nr;
        var rowFirst = part * RowPanelsPerPart * Mr;
        return (first, Math.Min(Columns, first + PanelsPerItem * Nr), rowFirst, Math.Min(Rows, rowFirst + RowPanelsPerPart * Mr));
    }
}
