#!/usr/bin/env bash
# Builds the CPU kernel emulator: every kernels/*.cu compiled by g++ against emu_shim.h into one
# shared library, with an emu_<kernel>(void** args) wrapper per kernel that unpacks cuLaunchKernel-
# style argument slots. Then run the GPU parity tests against it:
#   scripts/kernel-emulator/build.sh
#   ENGINE_CUDA_EMULATOR=$PWD/.emu/libengine_kernels_emu.so dotnet test --project tests/Engine.Tests --filter-namespace Engine.Tests.Cuda
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/kernel-emulator
out=.emu
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
echo "built $out/libengine_kernels_emu.so"
