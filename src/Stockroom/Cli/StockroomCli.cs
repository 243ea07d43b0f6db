using System.CommandLine;

namespace Stockroom.Cli;

/// <summary>
/// The command-line verbs of the <c>stockroom</c> executable. With no verb it runs the server, so
/// that host arguments such as <c>--urls</c> reach ASP.NET Core untouched.
/// </summary>
public static class StockroomCli
{
    public static readonly IReadOnlySet<string> Verbs = new HashSet<string>(StringComparer.Ordinal) { "import", "verify", "demo" };

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Stockroom: one real-time source of truth for sellable inventory. Run without a verb to start the server.");
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        return root.Parse(args).InvokeAsync();
    }
}
