namespace Engine.Backends.Cpu;

/// <summary>The NR-wide column panels of a <see cref="ConvTapPlan"/>, class by class (a panel never spans two
/// classes, which differ in taps), and where each one's packed columns start in units of K0·NR floats (one
/// per tap of its class). Depends on the plan and NR only; made once per pair and cached on the plan.</summary>
internal sealed class ConvTapPanels
{
    /// <summary>Columns [First, First + Width) of class Class (GEMM column = position index · N + image).</summary>
    public readonly record struct Panel(int Class, int First, int Width, long TapPanelOffset);

    private readonly Panel[] _panels;

    public int Nr { get; }

    /// <summary>Σ over panels of the class's tap count: the packed source holds this many K0×NR blocks.</summary>
    public long TapPanels { get; }

    public int Count => _panels.Length;

    public Panel this[int i] => _panels[i];

    private ConvTapPanels(ConvTapPlan plan, int nr)
    {
        Nr = nr;
        var panels = new List<Panel>();
        long offset = 0;
        for (var c = 0; c < plan.Classes.Length; c++)
        {
            var cls = plan.Classes[c];
            if (cls.Taps.Length == 0) continue; // positions no tap reaches: no product
            var columns = cls.Columns(plan.Images);
            for (var first = 0; first < columns; first += nr)
            {
                panels.Add(new Panel(c, first, Math.Min(nr, columns - first), offset));
                offset += cls.Taps.Length;
            }
        }
        (_panels, TapPanels) = ([.. panels], offset);
    }

    /// <summary>The panels of <paramref name="plan"/> for tiles NR columns wide.</summary>
    public static ConvTapPanels For(ConvTapPlan plan, int nr)
    {
        var cached = plan.Panels;
        if (cached is not null && cached.Nr == nr) return cached;
        var made = new ConvTapPanels(plan, nr);
        plan.Panels = made; // a race only makes a second, equal table
        return made;
    }
}
