#!/usr/bin/env python3
"""The seed CNN in PyTorch, set up like Engine's `SeedCnn.Build` + Keras defaults, for the
side-by-side comparison of issue 8 (scripts/gpu-benchmark.sh runs it next to Engine).

    Conv2D(32,3,relu) -> MaxPool2 -> Conv2D(64,3,relu) -> MaxPool2 -> Conv2D(64,3,relu)
    -> Flatten -> Dense(64,relu) -> Dense(10)          (logits; CrossEntropyLoss)

Glorot-uniform weights and zero biases (Keras's defaults), Adam(lr 1e-3, eps 1e-7: Keras's epsilon),
float32, NCHW, no TF32 (Engine's GEMMs are full float32 unless AllowTf32 is set).

Modes:
  speed     (default) one JSON line per (workload, mode): 28x28x1 batch 128 and 64x64x3 batch 256,
            eager and torch.compile; the batch stays on the GPU (random tensors), timed with
            torch.cuda.Event around --steps steps after --warmup steps.
  accuracy  trains on Fashion-MNIST (gzipped idx files, scripts/convert-fashion-mnist.py) for
            --epochs epochs, batch 128, shuffled each epoch, eager; prints one JSON line with the
            test accuracy.

    python3 benchmarks/pytorch/seed_cnn.py speed [--steps 200] [--warmup 30] [--modes eager,compile]
    python3 benchmarks/pytorch/seed_cnn.py accuracy --data data/fashion-mnist --epochs 5
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

WORKLOADS = [  # name, channels, size, batch
    ("28x28x1/b128", 1, 28, 128),
    ("64x64x3/b256", 3, 64, 256),
]


def seed_cnn(channels, size, classes=10):
    """The seed CNN; the flattened size follows from the input size as in Keras."""
    s = size - 2          # conv 3x3, valid
    s = s // 2            # max-pool 2
    s = s - 2
    s = s // 2
    s = s - 2
    model = nn.Sequential(
        nn.Conv2d(channels, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * s * s, 64), nn.ReLU(),
        nn.Linear(64, classes),
    )
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            # Keras: fan_in = kh*kw*in, fan_out = kh*kw*out; torch's xavier_uniform_ computes the same.
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def make_step(model, optimizer, loss_fn):
    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def versions():
    return {
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "python": sys.version.split()[0],
        "gpu": torch.cuda.get_device_name(0),
    }


def bench(workload, mode, steps, warmup, seed):
    name, channels, size, batch = workload
    torch.manual_seed(seed)
    device = torch.device("cuda")
    model = seed_cnn(channels, size).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    # compile: the model's forward (and so its backward) is compiled; the optimizer step stays eager.
    step = make_step(torch.compile(model) if mode == "compile" else model, optimizer, nn.CrossEntropyLoss())
    x = torch.rand(batch, channels, size, size, device=device)
    y = torch.randint(0, 10, (batch,), device=device)

    torch.cuda.synchronize()
    compile_start = time.perf_counter()
    for _ in range(warmup):
        step(x, y)
    torch.cuda.synchronize()
    warmup_s = time.perf_counter() - compile_start

    torch.cuda.reset_peak_memory_stats()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(steps):
        loss = step(x, y)
    end.record()
    torch.cuda.synchronize()
    ms = start.elapsed_time(end) / steps
    return {
        "side": "pytorch", "mode": mode, "workload": name, "batch": batch, "steps": steps, "warmup": warmup,
        "ms_per_step": ms, "images_per_s": batch * 1000.0 / ms,
        "peak_bytes": torch.cuda.max_memory_allocated(),
        "managed_bytes_per_step": None, "warmup_s": warmup_s, "final_loss": float(loss.item()),
        **versions(),
    }


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(magic & 0xFF)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def find_idx(folder, prefixes, kind):
    for prefix in prefixes:
        for ext in (".gz", ""):
            path = os.path.join(folder, f"{prefix}-{kind}-ubyte{ext}")
            if os.path.exists(path):
                return path
    raise FileNotFoundError(f"no {'/'.join(prefixes)}-{kind}-ubyte[.gz] in {folder} "
                            "(make it with: python3 scripts/convert-fashion-mnist.py)")


def accuracy(data, epochs, batch, seed):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    def load(prefixes):
        x = read_idx(find_idx(data, prefixes, "images-idx3")).astype(np.float32) / 255.0
        y = read_idx(find_idx(data, prefixes, "labels-idx1")).astype(np.int64)
        return torch.from_numpy(x).unsqueeze(1).to(device), torch.from_numpy(y).to(device)
    x_train, y_train = load(["train"])
    x_test, y_test = load(["t10k", "test"])

    torch.manual_seed(seed)
    model = seed_cnn(1, 28).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    step = make_step(model, optimizer, nn.CrossEntropyLoss())
    generator = torch.Generator(device="cpu").manual_seed(seed)
    started = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator).to(device)
        for i in range(0, len(order), batch):   # the last, smaller batch too, as Keras does
            idx = order[i:i + batch]
            step(x_train[idx], y_train[idx])
    if device.type == "cuda":
        torch.cuda.synchronize()
    train_s = time.perf_counter() - started
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x_test), 1000):
            correct += (model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
    result = {"side": "pytorch", "mode": "accuracy", "dataset": os.path.basename(os.path.normpath(data)), "epochs": epochs, "batch": batch,
              "train_images": len(x_train), "test_images": len(x_test),
              "test_accuracy": correct / len(x_test), "train_s": train_s}
    if device.type == "cuda":
        result.update(versions())
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", default="speed", choices=["speed", "accuracy"])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--modes", default="eager,compile")
    parser.add_argument("--workloads", default=",".join(w[0] for w in WORKLOADS))
    parser.add_argument("--data", default="data/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    # Same precision as Engine: full float32 GEMMs and convolutions.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True

    if args.what == "accuracy":
        print(json.dumps(accuracy(args.data, args.epochs, args.batch, args.seed)), flush=True)
        return
    if not torch.cuda.is_available():
        print(json.dumps({"side": "pytorch", "skipped": "torch.cuda.is_available() is False"}), flush=True)
        sys.exit(3)
    wanted = args.workloads.split(",")
    for workload in (w for w in WORKLOADS if w[0] in wanted):
        for mode in args.modes.split(","):
            try:
                result = bench(workload, mode, args.steps, args.warmup, args.seed)
            except Exception as e:  # torch.compile may lack a compiler (Triton) on the machine: report, go on
                result = {"side": "pytorch", "mode": mode, "workload": workload[0], "error": f"{type(e).__name__}: {e}"[:500]}
            print(json.dumps(result), flush=True)
            if mode == "compile":
                torch._dynamo.reset()   # the next workload compiles afresh


if __name__ == "__main__":
    main()
