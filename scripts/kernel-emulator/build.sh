#!/usr/bin/env bash
# Builds the CPU kernel emulator: every kernels/*.cu compiled by g++ against emu_shim.h into one
# shared library, with an emu_<kernel>(void** args) wrapper per kernel that unpacks cuLaunchKernel-
# style argument slots, in .emu/, where `dotnet test` finds it (ENGINE_CUDA_EMULATOR may name
# another copy). .ci/run builds it, so CI runs every CUDA test on it:
#   scripts/kernel-emulator/build.sh && dotnet test
# Beside the library, sources.sha256 stamps the inputs (kernels/*, scripts/kernel-emulator/*): the
# tests refuse a library built from other sources (KernelEmulator.cs computes the same hash).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/kernel-emulator
out=.emu
for tool in g++ python3; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is needed (Debian: apt-get install g++ python3)" >&2; exit 1; }
done
# Hashed before building, so an edit made meanwhile shows up as a stale stamp, not a wrong one.
stamp=$(for dir in kernels "$here"; do (cd "$dir" && LC_ALL=C ls -A | LC_ALL=C sort | while read -r f; do if [ -f "$f" ]; then sha256sum "$f" | sed "s|  |  $dir/|"; fi; done); done | sha256sum | cut -d' ' -f1)
rm -f "$out/sources.sha256"
rm -rf "$out/src"   # a renamed or removed kernels/*.cu must not leave its wrapper behind
mkdir -p "$out/src"
python3 - "$out/src" kernels/*.cu <<'PY'
import re, sys, os
out = sys.argv[1]
for path in sys.argv[2:]:
    text = open(path).read()
    name = os.path.splitext(os.path.basename(path))[0]
    lines = [f'#include "../../{path}"', ""]
    for m in re.finditer(r'extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)', text):
        kernel, params = m.group(1), [p.strip() for p in m.group(2).split(",") if p.strip()]
        types = [re.sub(r'\s*\b\w+$', '', p) for p in params]      # drop the parameter name
        call = ", ".join(f"*({t}*)a[{i}]" for i, t in enumerate(types))
        lines.append(f'extern "C" void emu_{kernel}(void** a) {{ {kernel}({call}); }}')
    open(os.path.join(out, f"{name}.cpp"), "w").write("\n".join(lines) + "\n")
PY
g++ -std=c++20 -O1 -g -fPIC -shared -include "$here/emu_shim.h" -I kernels -Wall -Wno-unused-function \
  -o "$out/libengine_kernels_emu.so" "$here/emu_runtime.cpp" "$out"/src/*.cpp
echo "$stamp" > "$out/sources.sha256"
echo "built $out/libengine_kernels_emu.so (sources $stamp)"
