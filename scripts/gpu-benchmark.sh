#!/usr/bin/env bash
# The seed CNN, Engine vs PyTorch, in one session on one GPU (issue 8). Runs on the GPU machine from
# the repository root, with the bundle built here first:
#   scripts/gpu-bundle.sh                     (on the development machine: builds .gpu/)
#   run(carry: [".gpu"], command: "scripts/gpu-benchmark.sh")
# Writes benchmarks/results/<date>-<gpu>.md (into $OUT when set) with a table per workload
# (images/s, ms/step, peak GPU memory, managed bytes per step, engine/eager and engine/compile), the
# accuracy table, commit, GPU, driver and versions; the raw JSON lines and logs go next to it.
# Settings (environment): STEPS (200), WARMUP (30), EPOCHS (5), DATA (first of data/fashion-mnist,
# .gpu/fashion-mnist, data/digits), PYTHON (a python with torch; found when unset),
# Exit status: Engine's (0 measured, 3 CUDA unavailable: the report then says why and nothing was timed).
# KERNELS=1 also runs the BenchmarkDotNet kernel benchmarks afterwards (--inProcess, short job).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results=${OUT:-$root/benchmarks/results}
steps=${STEPS:-200} warmup=${WARMUP:-30} epochs=${EPOCHS:-5}
raw="$results/raw"
mkdir -p "$raw"
log() { echo "[gpu-benchmark] $*" >&2; }

[ -x .gpu/run.sh ] || { log "no .gpu/run.sh: build the bundle with scripts/gpu-bundle.sh and carry .gpu"; exit 2; }

if [ -z "${DATA:-}" ]; then
  for d in data/fashion-mnist .gpu/fashion-mnist data/digits; do
    if ls "$d"/train-images-idx3-ubyte* >/dev/null 2>&1; then DATA=$root/$d; break; fi
  done
fi
log "accuracy data: ${DATA:-none}"

python=${PYTHON:-}
if [ -z "$python" ]; then
  for p in python3 python /opt/*/.venv/bin/python /opt/*/bin/python /opt/conda/bin/python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then python=$(command -v "$p"); break; fi
  done
fi
log "python with torch: ${python:-none found}"

# What was measured: the commit the bundle was built from (no .git on the device), the GPU and driver.
if git rev-parse HEAD >/dev/null 2>&1; then git rev-parse HEAD > "$raw/commit.txt"; else cp .gpu/commit.txt "$raw/commit.txt" 2>/dev/null || echo unknown > "$raw/commit.txt"; fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$raw/nvidia-smi.txt" 2>/dev/null \
  || echo "no GPU (nvidia-smi unavailable), -, -" > "$raw/nvidia-smi.txt"
.gpu/run.sh info > "$raw/cuda-info.txt" 2>&1 || true

log "engine: training step, $steps steps after $warmup"
.gpu/run.sh bench gpu-compare --json --speed-only --steps "$steps" --warmup "$warmup" > "$raw/engine.jsonl" 2> "$raw/engine.log"
engine_rc=$?
echo "engine speed rc=$engine_rc" >> "$raw/status.txt"
if [ -n "$python" ]; then
  log "pytorch: eager and torch.compile"
  "$python" benchmarks/pytorch/seed_cnn.py speed --steps "$steps" --warmup "$warmup" > "$raw/pytorch.jsonl" 2> "$raw/pytorch.log"
  echo "pytorch speed rc=$?" >> "$raw/status.txt"
fi
if [ -n "${DATA:-}" ]; then
  log "accuracy: $epochs epochs on $DATA"
  .gpu/run.sh bench gpu-compare --json --accuracy-only --epochs "$epochs" --data "$DATA" >> "$raw/engine.jsonl" 2>> "$raw/engine.log"
  echo "engine accuracy rc=$?" >> "$raw/status.txt"
  if [ -n "$python" ]; then
    "$python" benchmarks/pytorch/seed_cnn.py accuracy --epochs "$epochs" --data "$DATA" >> "$raw/pytorch.jsonl" 2>> "$raw/pytorch.log"
    echo "pytorch accuracy rc=$?" >> "$raw/status.txt"
  fi
fi

gpu=$(head -1 "$raw/nvidia-smi.txt" | cut -d, -f1)
slug=$(echo "${gpu:-gpu}" | tr '[:upper:]' '[:lower:]' | sed 's/^nvidia //; s/[^a-z0-9]\+/-/g; s/^-//; s/-$//')
report="$results/$(date -u +%Y-%m-%d)-${slug:-gpu}.md"
python3 scripts/gpu-benchmark-report.py --raw "$raw" --steps "$steps" --warmup "$warmup" > "$report"
log "wrote $report"
cat "$report"

if [ "${KERNELS:-0}" = 1 ] && [ "$engine_rc" = 0 ]; then
  log "kernel benchmarks (BenchmarkDotNet, in process)"
  .gpu/run.sh bench --filter '*KernelBenchmarks*' --inProcess --job short > "$raw/kernels.log" 2>&1
  echo "kernels rc=$?" >> "$raw/status.txt"
fi
# 3: CUDA was unavailable to Engine (the report says why); otherwise Engine's exit code.
exit "$engine_rc"
