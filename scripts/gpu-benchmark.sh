#!/usr/bin/env bash
# The seed CNN, Engine vs PyTorch, in one session on one GPU (issue 8). Runs on the GPU machine from
# the repository root, with the comparison bundle built here first:
#   scripts/gpu-bundle.sh --compare           (on the development machine: runtime, benchmarks, Fashion-MNIST in .gpu-compare/)
#   run(carry: [".gpu-compare"], command: ".gpu-compare/run.sh compare")
# The bundle it uses is GPU_BUNDLE (run.sh compare sets it to its own folder), else .gpu.
# Writes benchmarks/results/<date>-<gpu>.md (into $OUT when set) with a table per workload
# (images/s, ms/step, peak GPU memory, managed bytes per step, engine/eager and engine/compile), the
# accuracy table with the dataset it used, commit, GPU, driver and versions; the raw JSON lines and
# logs go next to it (in $OUT packed as gpu-benchmark-raw.tar.gz: the device returns 8 files at most).
# Settings (environment): BUDGET_S (420: the whole run's time budget), STEPS (200), WARMUP (30), EPOCHS (5), PYTHON (a python with torch; found
# when unset), DATA (an MNIST-format folder; else data/fashion-mnist, else the bundle's
# bundle's fashion-mnist.tar.xz, else data/digits: a fallback the report flags as NOT Fashion-MNIST).
# Exit status: Engine's (0 measured, 3 CUDA unavailable: the report then says why and nothing was timed).
# KERNELS=1 also runs the BenchmarkDotNet kernel benchmarks afterwards (--inProcess, short job).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results=${OUT:-$root/benchmarks/results}
steps=${STEPS:-200} warmup=${WARMUP:-30} epochs=${EPOCHS:-5}
raw="$results/raw"
rm -rf "$raw" && mkdir -p "$raw"   # scratch: a rerun starts clean
log() { echo "[gpu-benchmark] $(date -u +%T) $*" >&2; }

# Time budget (BUDGET_S, default 420 s): the device command must end within 8 minutes with its
# report written, so each stage runs under `timeout` with what is left (keeping 30 s for the
# report); a stage that runs out is recorded as rc=124 in status.txt and the report says so.
budget=${BUDGET_S:-420}
began=$SECONDS
stage() {
  local name=$1 left
  shift
  left=$((budget - (SECONDS - began) - 30))
  if [ "$left" -lt 10 ]; then
    log "$name: not started, the ${budget} s budget is spent (status.txt records rc=124)"
    return 124
  fi
  log "$name (at most ${left} s)"
  timeout -k 5 "$left" "$@"
}

bundle=${GPU_BUNDLE:-.gpu}
[ -x "$bundle/run.sh" ] || { log "no $bundle/run.sh: build the bundle with scripts/gpu-bundle.sh --compare and carry .gpu-compare"; exit 2; }

# The accuracy data, and where it came from: raw/data.txt feeds the report, so that a fallback to
# the embedded digits can never pass for Fashion-MNIST.
data_source="DATA (set by the caller)"
if [ -z "${DATA:-}" ]; then
  if ls data/fashion-mnist/train-images-idx3-ubyte* >/dev/null 2>&1; then
    DATA=$root/data/fashion-mnist data_source="data/fashion-mnist"
  elif [ -f "$bundle/fashion-mnist.tar.xz" ]; then
    if DATA=$("$bundle/run.sh" data); then data_source="$(basename "$bundle")/fashion-mnist.tar.xz (unpacked to $DATA)"
    else log "could not unpack $bundle/fashion-mnist.tar.xz"; DATA=""; fi
  fi
  if [ -z "${DATA:-}" ] && ls data/digits/train-images-idx3-ubyte* >/dev/null 2>&1; then
    DATA=$root/data/digits
    data_source="FALLBACK to data/digits: no Fashion-MNIST (build the bundle with scripts/gpu-bundle.sh --compare)"
    log "WARNING: no Fashion-MNIST here; the accuracy run uses data/digits instead"
  fi
fi
printf '%s\t%s\n' "$(basename "${DATA:-none}")" "$data_source" > "$raw/data.txt"
log "accuracy data: ${DATA:-none} ($data_source)"

python=${PYTHON:-}
if [ -z "$python" ]; then
  for p in python3 python /opt/*/.venv/bin/python /opt/*/bin/python /opt/conda/bin/python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' >/dev/null 2>&1; then python=$(command -v "$p"); break; fi
  done
fi
log "python with torch: ${python:-none found}"
if [ -z "$python" ]; then
  # Said in the report (a "skipped" line), not only here: PyTorch's rows would otherwise just be absent.
  reason="no python with torch found (tried python3, python, /opt/*/.venv/bin/python, /opt/*/bin/python, /opt/conda/bin/python; set PYTHON)"
  printf '{"side": "pytorch", "skipped": "%s"}\n' "$reason" > "$raw/pytorch.jsonl"
  echo "pytorch not run: no torch" >> "$raw/status.txt"
fi

# What was measured: the commit the bundle was built from (no .git on the device), the GPU and driver.
if git rev-parse HEAD >/dev/null 2>&1; then git rev-parse HEAD > "$raw/commit.txt"; else cp "$bundle/commit.txt" "$raw/commit.txt" 2>/dev/null || echo unknown > "$raw/commit.txt"; fi
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$raw/nvidia-smi.txt" 2>/dev/null \
  || echo "no GPU (nvidia-smi unavailable), -, -" > "$raw/nvidia-smi.txt"
"$bundle/run.sh" info > "$raw/cuda-info.txt" 2>&1 || true

stage "engine speed" "$bundle/run.sh" bench gpu-compare --json --speed-only --steps "$steps" --warmup "$warmup" \
  > "$raw/engine.jsonl" 2> >(tee "$raw/engine.log" >&2)
engine_rc=$?
echo "engine speed rc=$engine_rc" >> "$raw/status.txt"
if [ -n "$python" ]; then
  stage "pytorch speed" env PYTHONUNBUFFERED=1 "$python" benchmarks/pytorch/seed_cnn.py speed --steps "$steps" --warmup "$warmup" \
    > "$raw/pytorch.jsonl" 2> >(tee "$raw/pytorch.log" >&2)
  echo "pytorch speed rc=$?" >> "$raw/status.txt"
fi
if [ -n "${DATA:-}" ]; then
  stage "engine accuracy" "$bundle/run.sh" bench gpu-compare --json --accuracy-only --epochs "$epochs" --data "$DATA" \
    >> "$raw/engine.jsonl" 2> >(tee -a "$raw/engine.log" >&2)
  echo "engine accuracy rc=$?" >> "$raw/status.txt"
  if [ -n "$python" ]; then
    stage "pytorch accuracy" env PYTHONUNBUFFERED=1 "$python" benchmarks/pytorch/seed_cnn.py accuracy --epochs "$epochs" --data "$DATA" \
      >> "$raw/pytorch.jsonl" 2> >(tee -a "$raw/pytorch.log" >&2)
    echo "pytorch accuracy rc=$?" >> "$raw/status.txt"
  fi
fi

gpu=$(head -1 "$raw/nvidia-smi.txt" | cut -d, -f1)
slug=$(echo "${gpu:-gpu}" | tr '[:upper:]' '[:lower:]' | sed 's/^nvidia //; s/[^a-z0-9]\+/-/g; s/^-//; s/-$//')
report="$results/$(date -u +%Y-%m-%d)-${slug:-gpu}.md"
# The device tool returns at most 8 files, two folders deep: in $OUT the raw folder travels as one archive.
raw_name=raw/
if [ -n "${OUT:-}" ]; then raw_name=gpu-benchmark-raw.tar.gz; fi

if [ "${KERNELS:-0}" = 1 ] && [ "$engine_rc" = 0 ]; then
  stage "kernel benchmarks" "$bundle/run.sh" bench --filter '*KernelBenchmarks*' --inProcess --job short > "$raw/kernels.log" 2>&1
  echo "kernels rc=$?" >> "$raw/status.txt"
  # run.sh bench works in $results; its tables join the raw logs.
  [ -d "$results/BenchmarkDotNet.Artifacts" ] && mv "$results/BenchmarkDotNet.Artifacts" "$raw/"
fi

if ! python3 scripts/gpu-benchmark-report.py --raw "$raw" --steps "$steps" --warmup "$warmup" --raw-name "$raw_name" > "$report"; then
  log "the report script failed; the raw files are in $raw_name"
  echo "# gpu-benchmark: the report could not be written; see $raw_name (status.txt, *.log)" > "$report"
fi
log "wrote $report ($((SECONDS - began)) s in all)"
cat "$report"

if [ -n "${OUT:-}" ]; then
  tar -czf "$results/$raw_name" -C "$results" raw && rm -rf "$raw"
  log "raw JSON lines and logs: $results/$raw_name"
fi
# 3: CUDA was unavailable to Engine (the report says why); otherwise Engine's exit code.
exit "$engine_rc"
