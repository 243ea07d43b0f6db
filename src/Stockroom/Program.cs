using Stockroom;
using Stockroom.Cli;

if (StockroomCli.IsVerb(args))
{
    return await StockroomCli.RunAsync(args);
}

var app = StockroomApp.Build(args);
await StockroomApp.PrepareAsync(app, CancellationToken.None);
await app.RunAsync();
return 0;
