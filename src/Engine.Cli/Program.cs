using Engine.Cli;

Cli.IsMainProcess = true;
return Cli.Run(args, Console.Out, Console.Error);
