using BenchmarkDotNet.Running;

// Picks benchmarks by --filter; see BENCHMARKS.md, "Hot paths (BenchmarkDotNet)".
BenchmarkSwitcher.FromAssembly(typeof(Usrnet.Benchmarks.ChecksumBenchmarks).Assembly).Run(args);
