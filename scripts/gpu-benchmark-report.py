#!/usr/bin/env python3
"""Merges the JSON lines of `Engine.Benchmarks gpu-compare --json` and benchmarks/pytorch/seed_cnn.py
(in RAW/engine.jsonl and RAW/pytorch.jsonl, written by scripts/gpu-benchmark.sh) into the markdown
results file: a table per workload, the accuracy table, and what was measured on what. Standard
library only; lines that are not JSON objects are ignored (logs that reached stdout)."""
import argparse
import datetime
import json
import os


def read_jsonl(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    return rows


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def mib(b):
    return "–" if b is None else f"{b / 2**20:,.1f} MiB"


def num(x, fmt="{:,.0f}"):
    return "–" if x is None else fmt.format(x)


def ratio(a, b):
    return "–" if not a or not b else f"{a / b:.2f}×"


LABELS = [("engine", "loop", "Engine (custom loop)"), ("engine", "train_on_batch", "Engine (TrainOnBatch)"),
          ("engine", "fit", "Engine (Fit)"),
          ("engine", "train_on_batch_graphs", "Engine (TrainOnBatch, CUDA graphs)"),
          ("engine", "fit_graphs", "Engine (Fit, CUDA graphs)"),
          ("pytorch", "eager", "PyTorch eager"), ("pytorch", "compile", "PyTorch torch.compile")]
ENGINE_MODES = [mode for side, mode, _ in LABELS if side == "engine"]


def graph_note(r):
    """What happened to the CUDA graphs of a _graphs run: captures and replays, or why it ran eagerly."""
    if not r.get("cuda_graphs"):
        return ""
    if r.get("graphs_off"):
        return f" (graphs off: {r['graphs_off']})"
    return f" ({r.get('graph_captures', 0)} captures, {r.get('graph_replays', 0)} replays)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--raw-name", default="raw/", help="where the raw files end up, as the report names them")
    args = ap.parse_args()
    engine = read_jsonl(os.path.join(args.raw, "engine.jsonl"))
    torch = read_jsonl(os.path.join(args.raw, "pytorch.jsonl"))
    rows = engine + torch
    out = []
    p = out.append

    gpu_line = read_text(os.path.join(args.raw, "nvidia-smi.txt"), "unknown").splitlines()[0]
    eng = next((r for r in engine if "gpu" in r), next((r for r in engine if "dotnet" in r), {}))
    pt = next((r for r in torch if "torch" in r), {})
    p(f"# Seed CNN training: Engine vs PyTorch on {eng.get('gpu') or pt.get('gpu') or gpu_line.split(',')[0]}")
    p("")
    p(f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `scripts/gpu-benchmark.sh`, "
      f"both sides in the same session on the same GPU.")
    p("")
    p(f"- commit: `{read_text(os.path.join(args.raw, 'commit.txt'), 'unknown')}`")
    p(f"- GPU (nvidia-smi: name, driver, memory): {gpu_line}")
    p(f"- Engine: {eng.get('dotnet', '–')}; driver CUDA {eng.get('driver_cuda', '–')}"
      + "".join(f"; {k} {v}" for k, v in eng.items() if k.lower().startswith(("nvrtc", "cublas")) and v))
    data_name, _, data_source = read_text(os.path.join(args.raw, "data.txt"), "none\tunknown").partition("\t")
    fashion = data_name == "fashion-mnist"
    p(f"- accuracy data: **{data_name}**, from {data_source}"
      + ("" if fashion else " — **not Fashion-MNIST: the accuracy table below does not answer issue 8**"))
    p(f"- PyTorch: torch {pt.get('torch', '–')}, CUDA {pt.get('cuda', '–')}, cuDNN {pt.get('cudnn', '–')}, Python {pt.get('python', '–')}")
    p(f"- recipe: seed CNN (logits), Glorot-uniform weights, zero biases, Adam(1e-3, eps 1e-7), "
      f"sparse categorical cross-entropy, float32 NCHW, TF32 off; batch resident on the GPU; "
      f"CUDA events around {args.steps} steps after {args.warmup} warm-up steps")
    p("- Engine (custom loop) is Forward/loss/Backward/Adam/ZeroGrad with nothing read back, like the PyTorch loop; "
      "TrainOnBatch reads the loss back every step; Fit trains on a dataset that yields the resident batch "
      "every step and reads the loss once at the end. The CUDA graphs rows are the same with "
      "`Compile(cudaGraphs: true)`: forward, loss, backward and metrics captured once as a CUDA graph and "
      "replayed (optimizer step eager). Peak memory: Engine's caching allocator "
      "(PeakAllocatedBytes) vs `torch.cuda.max_memory_allocated`, both reset after warm-up. "
      "Managed bytes: `GC.GetAllocatedBytesForCurrentThread` per step.")
    p("")

    # What did not run, first: a report without PyTorch rows or without timings must say why.
    for s in sorted({f"{r.get('side', '?')}: {r['skipped']}" for r in rows if "skipped" in r and "mode" not in r}):
        p(f"**Skipped:** {s}")
        p("")
    status = read_text(os.path.join(args.raw, "status.txt"))
    for line in status.splitlines():
        step, found, rc = line.rpartition(" rc=")
        if found and rc not in ("0", "3"):
            log = "engine.log" if step.startswith("engine") else "pytorch.log" if step.startswith("pytorch") else "kernels.log"
            tail = read_text(os.path.join(args.raw, log)).splitlines()[-15:]
            p(f"**Failed:** {step} (exit code {rc}); the end of {log}:")
            p("")
            p("```")
            p("\n".join(tail) if tail else "(empty)")
            p("```")
            p("")
    for r in rows:
        if "error" in r:
            p(f"**Error** ({r.get('side')} {r.get('mode')} {r.get('workload')}): {r['error']}")
            p("")

    workloads = []
    for r in rows:
        if "workload" in r and r["workload"] not in workloads:
            workloads.append(r["workload"])
    for w in workloads:
        found = {(r["side"], r["mode"]): r for r in rows if r.get("workload") == w and "images_per_s" in r}
        main = found.get(("engine", "loop"), {}).get("images_per_s")
        best_mode = max((m for m in ENGINE_MODES if ("engine", m) in found),
                        key=lambda m: found[("engine", m)]["images_per_s"], default=None)
        best = found[("engine", best_mode)]["images_per_s"] if best_mode else None
        eager = found.get(("pytorch", "eager"), {}).get("images_per_s")
        compiled = found.get(("pytorch", "compile"), {}).get("images_per_s")
        p(f"## {w.replace('/b', ', batch ')}")
        p("")
        p("| run | images/s | ms/step | peak GPU memory | managed bytes/step | Engine loop ÷ this |")
        p("|---|---:|---:|---:|---:|---:|")
        for side, mode, label in LABELS:
            r = found.get((side, mode))
            if r is None:
                continue
            managed = r.get("managed_bytes_per_step")
            p(f"| {label}{graph_note(r)} | {num(r['images_per_s'])} | {num(r['ms_per_step'], '{:.3f}')} | {mib(r.get('peak_bytes'))} "
              f"| {'–' if managed is None else f'{managed:,.0f}'} | {ratio(main, r['images_per_s'])} |")
        p("")
        p(f"Engine (custom loop) ÷ PyTorch eager: **{ratio(main, eager)}**; Engine ÷ torch.compile: **{ratio(main, compiled)}**.")
        if best_mode:
            label = next(l for s_, m, l in LABELS if s_ == "engine" and m == best_mode)
            p(f"Fastest Engine run, {label}: **{ratio(best, eager)}** PyTorch eager (issue 8 target: ≥ 2×), "
              f"**{ratio(best, compiled)}** torch.compile.")
        p("")

    acc = {r["side"]: r for r in rows if r.get("mode") == "accuracy"}
    if acc:
        p("## Accuracy (same recipe, same data, batch 128)")
        p("")
        used = {side: str(r.get("dataset")) for side, r in acc.items() if "skipped" not in r}
        if len(set(used.values())) > 1:
            p("**Warning: the two sides trained on different data ("
              + ", ".join(f"{side}: {d}" for side, d in used.items()) + "): the difference below compares nothing.**")
            p("")
        elif used and "fashion-mnist" not in used.values():
            p(f"**Warning: trained on {next(iter(used.values()))}, not Fashion-MNIST.**")
            p("")
        p("| side | data | epochs | train / test images | test accuracy | training time |")
        p("|---|---|---:|---:|---:|---:|")
        for side in ("engine", "pytorch"):
            r = acc.get(side)
            if r is None:
                continue
            if "skipped" in r:
                p(f"| {side} | skipped: {r['skipped']} | | | | |")
                continue
            p(f"| {'Engine' if side == 'engine' else 'PyTorch eager'} | {r.get('dataset')} | {r.get('epochs')} "
              f"| {r.get('train_images'):,} / {r.get('test_images'):,} | {100 * r['test_accuracy']:.2f}% | {r.get('train_s', 0):.1f} s |")
        e, t = acc.get("engine", {}).get("test_accuracy"), acc.get("pytorch", {}).get("test_accuracy")
        if e is not None and t is not None:
            p("")
            p(f"Difference: {100 * (e - t):+.2f} points (target: within 0.3).")
        p("")

    if status:
        p("Exit codes: " + ", ".join(status.splitlines()) + f". Raw JSON lines and logs: `{args.raw_name}`.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
