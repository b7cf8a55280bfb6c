using Spectre.Console;

namespace Engine.Cli;

/// <summary>The command's output: plain writers (so tests can capture everything) plus a Spectre
/// console on the same writer for tables, rules and progress bars.</summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter stdout, TextWriter stderr)
    {
        Out = stdout;
        Error = stderr;
        var interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        Interactive = interactive;
        Ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive) Ansi.Profile.Width = 100;
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public IAnsiConsole Ansi { get; }

    /// <summary>The run folder of this command once it owns one: internal errors are logged there.</summary>
    public string? LogDirectory { get; set; }

    /// <summary>A real terminal: live progress bars instead of one line per epoch.</summary>
    public bool Interactive { get; }

    /// <summary>A plain line, never wrapped (paths and commands in it stay copyable).</summary>
    public void Line(string text = "") => Out.WriteLine(text);

    public void Rule(string title) => Ansi.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());

    public void Warn(string text) => Ansi.MarkupLine($"[yellow]warning:[/] {Markup.Escape(text)}");
}
