using Stockroom.Cli;

return StockroomCli.IsCommand(args)
    ? await StockroomCli.RunAsync(args)
    : await ServerStart.RunAsync(args);
