// The floor of bench/run.sh: the fastest a JSON answer gets on this machine with this framework and load generator.
// Same hosting defaults as GoMicro.Host (WebApplication.CreateBuilder, Kestrel, minimal APIs, System.Text.Json) and an
// answer of the same shape and size as a small GoMicro envelope, but no middleware, no API key, no database.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

var document = new FloorResponse("10000", 200, "success", new FloorData("floor", "a small JSON document", ["BENCH"]));
app.MapGet("/floor", () => document);
app.Run();

/// <summary>The envelope shape GoMicro answers with.</summary>
internal sealed record FloorResponse(string Code, int Status, string Message, FloorData Data);

/// <summary>A few fields of data.</summary>
internal sealed record FloorData(string Title, string Description, string[] Tags);
