#!/usr/bin/env python3
"""Marks one version requirement of an ELF64 shared library weak (VER_FLG_WEAK), in place.

libLibTorchSharp.so (TorchSharp 0.107) asks for GLIBCXX_3.4.32 for a single symbol it never calls;
Debian 12's libstdc++ stops at 3.4.30, so the loader refuses the whole library. A weak requirement
lets it load. Run on the build-output copy only, never on the NuGet cache. Idempotent.

usage: weaken_glibcxx.py LIBRARY [VERSION]   (VERSION defaults to GLIBCXX_3.4.32)
"""
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def weaken(path, version):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            sys.exit(f"{path}: not a little-endian ELF64 file")
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
        sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        changed = found = 0
        for _, sh_type, _, _, offset, _, link, info, _, _ in sections:
            if sh_type != SHT_GNU_VERNEED:
                continue
            strtab = sections[link][4]  # sh_offset of the linked string table (.dynstr)
            need = offset
            for _ in range(info):  # sh_info = number of Verneed entries
                _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, need)
                at = need + aux
                for _ in range(cnt):
                    _, flags, _, name, anext = struct.unpack_from("<IHHII", data, at)
                    end = data.index(b"\0", strtab + name)
                    if data[strtab + name:end].decode() == version:
                        found += 1
                        if not flags & VER_FLG_WEAK:
                            struct.pack_into("<H", data, at + 4, flags | VER_FLG_WEAK)
                            changed += 1
                    at += anext
                need += nxt
        if not found:
            print(f"{path}: no requirement of {version}; left unchanged")
            return
        if changed:
            f.seek(0)
            f.write(data)
        print(f"{path}: {version} requirement is weak ({'patched' if changed else 'already weak'})")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    weaken(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "GLIBCXX_3.4.32")
