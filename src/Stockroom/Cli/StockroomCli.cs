using System.CommandLine;

namespace Stockroom.Cli;

/// <summary>
/// The command-line verbs of the <c>stockroom</c> executable. With no verb it runs the server, so
/// that host arguments such as <c>--urls</c> reach ASP.NET Core untouched; help and version are
/// answered here and never start it.
/// </summary>
public static class StockroomCli
{
    public static readonly IReadOnlySet<string> Verbs = new HashSet<string>(StringComparer.Ordinal) { "import", "verify", "demo", "healthcheck", "openapi" };

    /// <summary>Asked anywhere on a server's command line, these print and exit instead of binding a port and creating a database.</summary>
    public static readonly IReadOnlySet<string> Questions = new HashSet<string>(StringComparer.Ordinal) { "--help", "-h", "-?", "/?", "--version" };

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <summary>A verb, or a question about the executable itself: anything but starting the server.</summary>
    public static bool IsCommand(string[] args) => IsVerb(args) || args.Any(Questions.Contains);

    public static Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = new RootCommand("""
            Stockroom: one real-time source of truth for sellable inventory.

            Run without a verb to start the server:
              stockroom [--urls http://127.0.0.1:5080] [--ConnectionStrings:Stockroom "Host=…"] [--Section:Key value …]
            Every setting in the README's configuration table may be given this way, or as an environment
            variable (Section__Key). The server stores its data in ./stockroom.db unless told otherwise.
            """);
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HealthCheckCommand.Create());
        root.Subcommands.Add(OpenApiCommand.Create());
        // A question asked after server settings is answered alone: the settings are not the root's to parse.
        return root.Parse(IsVerb(args) ? args : [.. args.Where(Questions.Contains).Take(1)]).InvokeAsync();
    }
}
