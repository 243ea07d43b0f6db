using Stockroom;

var app = StockroomApp.Build(args);
await StockroomApp.PrepareAsync(app, CancellationToken.None);
await app.RunAsync();
