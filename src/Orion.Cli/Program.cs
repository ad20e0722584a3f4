using Orion.Cli;

// Standard output and error through write(2) alone, never System.Console (StandardStream says why).
return OrionCli.Run(args, StandardStream.OpenWriter(1), StandardStream.OpenWriter(2));
