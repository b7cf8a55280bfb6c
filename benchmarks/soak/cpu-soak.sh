#!/usr/bin/env bash
# CPU soak of `engine train` (not part of CI): about 10,000 training steps of the seed CNN on the
# embedded digits, sampling the process's resident memory (VmRSS) once a second. Afterwards it
# reports the RSS range after warm-up (the first 10% of the run's samples), which should stay flat
# within +-2 MiB if steady-state training allocates nothing that accumulates.
#   benchmarks/soak/cpu-soak.sh [log]      (default log: benchmarks/results/<date>-cpu-soak.md)
# 1,800 training digits at batch 16 = 113 steps per epoch; 89 epochs = 10,057 steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
log=${1:-benchmarks/results/$(date -u +%Y-%m-%d)-cpu-soak.md}
run=$(mktemp -d)/run
samples=$(mktemp)
dotnet build src/Engine.Cli -c Release -v q -nologo >/dev/null
cli=src/Engine.Cli/bin/Release/net10.0/Engine.Cli.dll
args=(train --limit 2000 --batch-size 16 --epochs 89 --device cpu --output "$run")
start=$(date +%s)
dotnet "$cli" "${args[@]}" > "$run.out" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss" >> "$samples"
  sleep 1
done
code=0
wait "$pid" || code=$?
steps=$(grep -c '^Epoch [0-9]*/89' "$run.out" || true)
gcenv=$(env | grep '^DOTNET_GC' | tr '\n' ' ' || true)
python3 - "$samples" "$log" "$code" "$steps" "$(git rev-parse --short HEAD)" "${args[*]}" "$gcenv" <<'PY'
import sys, statistics
samples, log, code, epochs, commit, args, gcenv = sys.argv[1:]
rows = [tuple(map(int, l.split())) for l in open(samples) if l.strip()]
kib = [r[1] for r in rows]
warm = max(1, len(kib) // 10)
after = kib[warm:]
lo, hi, med = min(after), max(after), statistics.median(after)
first_min = [r for r in rows[warm:] if r[0] <= rows[warm][0] + 60]
last_min = [r for r in rows if r[0] >= rows[-1][0] - 60]
drift = statistics.mean(r[1] for r in last_min) - statistics.mean(r[1] for r in first_min)
with open(log, "w") as f:
    f.write(f"# CPU soak: resident memory of `engine train` over ~10,000 steps\n\n")
    f.write(f"- command: `{gcenv}benchmarks/soak/cpu-soak.sh` (runs `engine {args}`)\n")
    f.write(f"- commit: {commit}; exit code {code}; epochs finished: {epochs} of 89 (113 steps each)\n")
    f.write(f"- samples: {len(kib)} (one per second); warm-up excluded: first {warm}\n")
    f.write(f"- RSS after warm-up: min {lo/1024:.1f} MiB, median {med/1024:.1f} MiB, max {hi/1024:.1f} MiB, "
            f"range {(hi-lo)/1024:.2f} MiB; median +- {max(hi-med, med-lo)/1024:.2f} MiB\n")
    f.write(f"- drift (mean of the last minute minus the first minute after warm-up): {drift/1024:+.2f} MiB\n")
    f.write(f"- verdict: {'flat within +-2 MiB' if max(hi-med, med-lo) <= 2048 else 'NOT flat within +-2 MiB'}\n\n")
    f.write("| t (s) | RSS (MiB) |\n|---:|---:|\n")
    step = max(1, len(rows) // 40)
    for t, k in rows[::step]:
        f.write(f"| {t} | {k/1024:.1f} |\n")
print(open(log).read().split("\n|")[0])
PY
