#!/usr/bin/env bash
# CPU soak of `engine train` (not part of CI): about 10,000 training steps of the seed CNN on the
# embedded digits. 1,800 training digits at batch 16 = 113 steps per epoch; 89 epochs = 10,057 steps.
#   benchmarks/soak/cpu-soak.sh [log]      (default log: benchmarks/results/<date>-cpu-soak.md)
#
# A startup hook (SoakProbe/, loaded through DOTNET_STARTUP_HOOKS; the CLI itself is unchanged)
# samples the process from the inside once a second: resident memory (VmRSS and its anonymous /
# file-backed parts), the GC's heap, committed bytes, fragmentation and generation sizes, GC counts,
# the CPU array pool's counters, the JIT's compiled methods, threads. The log gets the verdict and
# a per-epoch table of all of it; the raw samples go next to the log (<log>.tsv).
#
# Only training counts: the samples before the last epoch finished (the final report, test evaluation
# and plot afterwards compile and allocate their own). Warm-up (fixed before looking at any RSS, and
# measured, not a fixed share of the run) ends at the first sample at which the JIT has compiled 99%
# of the methods it compiles during training.
# Methods that run once an epoch (validation, checkpoint writing, logging) reach the tiered JIT's
# 30-call threshold only around epoch 30 and are recompiled then; that is one-time work, but it is
# measured, not assumed. Everything after warm-up counts: flat means max - min of VmRSS <= 4 MiB
# (median +- 2 MiB) over the rest of the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=${1:-benchmarks/results/$(date -u +%Y-%m-%d)-cpu-soak.md}
run=$(mktemp -d)/run
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo "+uncommitted")
dotnet build src/Engine.Cli -c Release -v q -nologo >/dev/null
dotnet build benchmarks/soak/SoakProbe -c Release -v q -nologo >/dev/null
cli=src/Engine.Cli/bin/Release/net10.0/Engine.Cli.dll
probe=$PWD/benchmarks/soak/SoakProbe/bin/Release/net10.0/SoakProbe.dll
args=(train --limit 2000 --batch-size 16 --epochs 89 --device cpu --output "$run")
code=0
DOTNET_STARTUP_HOOKS=$probe SOAK_PROBE_OUT="$log.tsv" SOAK_RUN_DIR="$run" dotnet "$cli" "${args[@]}" > "$run.out" 2>&1 || code=$?
epochs=$(grep -c '^Epoch [0-9]*/89' "$run.out" || true)
dotnetenv=$(env | grep -E '^DOTNET_(GC|Tiered|TC_|ReadyToRun|OSR)' | tr '\n' ' ' || true)
python3 benchmarks/soak/report.py "$log.tsv" "$log" "$code" "$epochs" "$commit" "${args[*]}" "$dotnetenv"
