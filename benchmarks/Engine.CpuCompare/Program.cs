using Engine.CpuCompare;

// Engine vs TorchSharp (LibTorch 2.10 CPU), side by side in one process:
//   flock /work/cpu.lock dotnet run -c Release --project benchmarks/Engine.CpuCompare -- [options]
// Options: --workloads W1/train/b64,W1/train/b128,W2/train/b32,W3/infer/b256,W4/resnet20/b128,W5/resnet18-64/b32
//            (or prefixes W1…W5; default W1,W2,W3)
//          --blocks 7 --steps 10 --warmup 5 --threads 2 --only engine|torch (one side, for peak RSS)
//          --check (one step each from identical weights; prints the loss difference)
return CpuCompare.Run(args);
