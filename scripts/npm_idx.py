"""Helpers shared by the npm-to-idx conversion scripts (convert-digits.py, convert-fashion-mnist.py).

The idx format (LeCun's MNIST files): a big-endian magic number 0x00000800 | ndims (element type 0x08 =
unsigned byte in the third byte), one big-endian uint32 per dimension, then the raw bytes row-major.
Files are gzipped with mtime 0 so that re-running a conversion gives byte-identical output.
"""
import gzip
import os
import struct
import subprocess
import tempfile

MASK64 = (1 << 64) - 1


def npm_install(package, version, into=None):
    """Installs an npm package into a temporary folder (never into the repository) and returns the
    package's own folder. Pass `into` to reuse an existing install."""
    root = into or tempfile.mkdtemp(prefix=f"{package}-")
    pkg = os.path.join(root, "node_modules", package)
    if not os.path.isdir(pkg):
        subprocess.run(["npm", "install", "--no-save", "--no-package-lock", "--prefix", root,
                        f"{package}@{version}"], check=True)
    return pkg


class SplitMix64:
    """A tiny, fully specified generator, so the split does not depend on Python's `random`."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform integer in [0, n) (multiply-shift on the top 32 bits)."""
        return ((self.next() >> 32) * n) >> 32


def shuffle(items, seed):
    """Fisher-Yates with SplitMix64: items[i] swaps with items[j], j uniform in [0, i]."""
    rng = SplitMix64(seed)
    for i in range(len(items) - 1, 0, -1):
        j = rng.below(i + 1)
        items[i], items[j] = items[j], items[i]


def write_idx_gz(path, dims, payload):
    """Writes one gzipped idx file of unsigned bytes with the given dimensions."""
    expected = 1
    for d in dims:
        expected *= d
    if len(payload) != expected:
        raise ValueError(f"{path}: {len(payload)} bytes do not fill dimensions {dims}")
    header = struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as raw:
        # mtime=0 and no file name in the gzip header: the output depends on the data only.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(header)
            gz.write(payload)


def write_split(folder, prefix, samples, rows=28, cols=28):
    """samples: list of (label, 784 bytes). Writes {prefix}-images-idx3-ubyte.gz and
    {prefix}-labels-idx1-ubyte.gz; returns (pixel sum, label histogram)."""
    images = bytearray()
    labels = bytearray()
    for label, pixels in samples:
        images += pixels
        labels.append(label)
    write_idx_gz(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), [len(samples), rows, cols], bytes(images))
    write_idx_gz(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), [len(samples)], bytes(labels))
    histogram = [labels.count(c) for c in range(10)]
    return sum(images), histogram
