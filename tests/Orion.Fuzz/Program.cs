using System.Globalization;
using Orion.Fuzz;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.Tcp;

// Started by the fuzz run's server as a session's worker (process isolation with --worker-processes)?
if (await OrionWorkerProcess.TryRunAsync(args, new TransportFactory().Add(new TcpTransport()),
    _ => new EmulatedGpuBackend(new EmulatedDeviceOptions { MemoryBytes = 512UL << 20 })) is { } workerExitCode)
{
    return workerExitCode;
}

// orion-fuzz [--messages N] [--isolation context|process] [--worker-processes] [--fuzzers K] [--seed S] [--deadline-ms D]
var options = new FuzzOptions { Progress = line => Console.WriteLine("  " + line) };
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    options = args[i] switch
    {
        "--messages" => options with { Messages = long.Parse(Next(), CultureInfo.InvariantCulture) },
        "--isolation" => options with { Isolation = Next() == "process" ? SessionIsolation.Process : SessionIsolation.Context },
        "--worker-processes" => options with { WorkerProcesses = true, Isolation = SessionIsolation.Process },
        "--fuzzers" => options with { Fuzzers = int.Parse(Next(), CultureInfo.InvariantCulture) },
        "--seed" => options with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
        "--deadline-ms" => options with { Deadline = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)) },
        _ => throw new ArgumentException($"unknown option {args[i]}"),
    };
}
Console.WriteLine($"orion-fuzz: {options.Messages:N0} messages, isolation {options.Isolation}{(options.WorkerProcesses ? " (worker processes)" : "")}, {options.Fuzzers} fuzzers, seed {options.Seed}");
var report = await FuzzRunner.RunAsync(options);
Console.WriteLine(report);
return report.Passed ? 0 : 1;
