#!/usr/bin/env bash
# Builds .gpu/: what the GPU machine (no .NET, no network) needs, within the 64 MiB that the device
# tool sends per call (the working tree's tracked files AND the carried paths count together).
# The device gives one command at most 10 minutes and a session 15 minutes in all (start-up included),
# and a command that times out returns only the files it already wrote; so two short commands, each
# with its own time guard and its log tee'd into $OUT as it goes, each with its own bundle folder
# (build both first, so that (b) can follow (a) on the warm machine):
#   (a) scripts/gpu-bundle.sh            the test bundle:       runtime + tests + benchmarks + CLI
#       then run(carry: [".gpu"], timeout_s: 420, command: ".gpu/run.sh cuda-tests")
#            `engine info` + the Engine.Tests.Cuda namespace + the GPU test log, in under 6 minutes
#   (b) scripts/gpu-bundle.sh --compare  the comparison bundle, in .gpu-compare/: runtime + benchmarks + Fashion-MNIST
#       then run(carry: [".gpu-compare"], timeout_s: 540, command: ".gpu-compare/run.sh compare")
#            Engine vs PyTorch (scripts/gpu-benchmark.sh), in under 8 minutes
# Fashion-MNIST (~25 MiB even as xz) does not fit beside the tests, hence the second bundle.
# Parts (each built here, unpacked under /tmp on the device by .gpu/run.sh):
#   .gpu/dotnet-runtime.tar.xz   this machine's .NET runtime: dotnet, host/, shared/Microsoft.NETCore.App/,
#                                without the debugger/diagnostics libraries (DAC, DBI, createdump,
#                                standalone GCs, LTTng provider), which no normal run loads
#   .gpu/tests.tar.xz            Release, framework-dependent build of tests/Engine.Tests (test bundle)
#   .gpu/benchmarks.tar.xz       same for benchmarks/Engine.Benchmarks, without BenchmarkDotNet's
#                                disassembler, ETW/EventPipe profiler and Windows-only native files
#   .gpu/cli.tar.xz              same for src/Engine.Cli (test bundle)
#   .gpu/fashion-mnist.tar.xz    data/fashion-mnist as raw idx files, xz -9 (comparison bundle)
#   .gpu/run.sh                  on the device: unpacks each archive once, then runs one thing
#   .gpu/commit.txt, bundle.txt  the commit (and "+dirty") the builds came from; which bundle this is
# The PyTorch script and scripts/gpu-benchmark*.{sh,py} are tracked: they travel with the tree.
# The runtime and data archives are cached (ENGINE_BUNDLE_CACHE, default ~/.cache/engine-gpu-bundle)
# keyed by their inputs, since xz -9 over them takes minutes on a small machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mib=$((1024 * 1024))
limit=$((64 * mib))
margin=$((1 * mib))   # the tree grows between building and carrying: keep room

kind=tests
case "${1:-}" in
  "") ;;
  --compare) kind=compare ;;
  -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--compare]" >&2; exit 2 ;;
esac

# Each bundle has its own folder, so both can be built before a GPU session and (b) can follow (a)
# on the same warm machine.
if [ "$kind" = compare ]; then bundle_name=.gpu-compare; else bundle_name=.gpu; fi
out="$root/$bundle_name"

cache=${ENGINE_BUNDLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engine-gpu-bundle}
mkdir -p "$cache"

# The comparison bundle is pointless without the data: refuse before spending minutes on builds.
fm_sources=(data/fashion-mnist/train-images-idx3-ubyte.gz data/fashion-mnist/train-labels-idx1-ubyte.gz
            data/fashion-mnist/t10k-images-idx3-ubyte.gz data/fashion-mnist/t10k-labels-idx1-ubyte.gz)
if [ "$kind" = compare ]; then
  for f in "${fm_sources[@]}"; do
    [ -f "$f" ] || { echo "error: $f is missing; make data/fashion-mnist with: python3 scripts/convert-fashion-mnist.py" >&2; exit 1; }
  done
  command -v python3 >/dev/null || { echo "error: python3 is needed here (trims the benchmarks' deps.json)" >&2; exit 1; }
fi

dotnet_bin=$(readlink -f "$(command -v dotnet)")
dotnet_root=${DOTNET_ROOT:-$(dirname "$dotnet_bin")}
runtime_dir=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* 2>/dev/null | sort -V | tail -1)
[ -n "$runtime_dir" ] || { echo "no .NET 10 runtime under $dotnet_root/shared/Microsoft.NETCore.App" >&2; exit 1; }
runtime_version=$(basename "$runtime_dir")

rm -rf "$out"
mkdir -p "$out"

# Reproducible tars (names sorted, no owners or times), so equal inputs give equal archives.
pack() { tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - "$@"; }

# Debugger, dump and tracing pieces of the runtime: loaded only by debuggers, crash dumps,
# DOTNET_GCName or LTTng. ~2 MB of xz.
runtime_drop=(createdump libmscordaccore.so libmscordbi.so libclrgc.so libclrgcexp.so libcoreclrtraceptprovider.so)
runtime_key="dotnet-runtime-$runtime_version-$(echo "${runtime_drop[*]}" | md5sum | cut -c1-8).tar.xz"
echo "runtime: $dotnet_root (Microsoft.NETCore.App $runtime_version)"
if [ ! -f "$cache/$runtime_key" ]; then
  excludes=()
  for f in "${runtime_drop[@]}"; do excludes+=(--exclude="shared/Microsoft.NETCore.App/$runtime_version/$f"); done
  (cd "$dotnet_root" && pack "${excludes[@]}" dotnet host "shared/Microsoft.NETCore.App/$runtime_version") \
    | xz -T0 -9 > "$cache/$runtime_key.part" && mv "$cache/$runtime_key.part" "$cache/$runtime_key"
else
  echo "  (cached: $cache/$runtime_key)"
fi
cp "$cache/$runtime_key" "$out/dotnet-runtime.tar.xz"

# Parts of BenchmarkDotNet's dependencies that only its opt-in diagnosers use (disassembler: Iced,
# ClrMD, Capstone; ETW/EventPipe profilers: TraceEvent), plus Windows-only native folders. Checked:
# gpu-compare and an in-process BenchmarkDotNet run work without them. Roslyn must stay: BDN's
# CompilationValidator loads it at start-up even in process.
publish_drop=(libcapstone.so Gee.External.Capstone.dll Iced.dll Microsoft.Diagnostics.Runtime.dll
              Microsoft.Diagnostics.Tracing.TraceEvent.dll Microsoft.Diagnostics.FastSerialization.dll
              Dia2Lib.dll TraceReloggerLib.dll)
publish() {
  local project=$1 name=$2 staging="$out/.staging/$2"
  mkdir -p "$out/.staging"
  echo "publish: $project -> $(basename "$out")/$name.tar.xz"
  # No symbols, no XML docs (ours or the packages'), English resources only.
  if ! dotnet publish "$project" -c Release -r linux-x64 --self-contained false -o "$staging" -nologo -v quiet \
      -p:DebugType=none -p:SatelliteResourceLanguages=en -p:GenerateDocumentationFile=false \
      -p:PublishReferencesDocumentationFiles=false -p:PublishDocumentationFile=false > "$out/.staging/$name.log" 2>&1; then
    cat "$out/.staging/$name.log" >&2; echo "error: dotnet publish $project failed" >&2; exit 1
  fi
  rm -f "$out/.staging/$name.log"
  find "$staging" -name '*.pdb' -delete
  rm -rf "$staging"/amd64 "$staging"/x86 "$staging"/arm64
  # The host refuses to start when an assembly listed in *.deps.json is missing: drop them there too.
  python3 - "$staging" "${publish_drop[@]}" <<'PY'
import json, os, sys
app, drop = sys.argv[1], set(sys.argv[2:])
for name in os.listdir(app):
    if not name.endswith(".deps.json"):
        continue
    path = os.path.join(app, name)
    with open(path) as f:
        deps = json.load(f)
    for target in deps.get("targets", {}).values():
        for lib in target.values():
            for kind in ("runtime", "native"):
                for asset in [a for a in lib.get(kind, {}) if os.path.basename(a) in drop]:
                    del lib[kind][asset]
    with open(path, "w") as f:
        json.dump(deps, f, indent=2)
for name in drop:
    if os.path.exists(os.path.join(app, name)):
        os.remove(os.path.join(app, name))
PY
  (cd "$staging" && pack .) | xz -T0 -9 > "$out/$name.tar.xz"
  rm -rf "$staging"
}

if [ "$kind" = tests ]; then publish tests/Engine.Tests tests; fi
publish benchmarks/Engine.Benchmarks benchmarks
if [ "$kind" = tests ] && [ -d src/Engine.Cli ]; then publish src/Engine.Cli cli; fi
rmdir "$out/.staging"

for f in benchmarks/pytorch/seed_cnn.py scripts/gpu-benchmark.sh scripts/gpu-benchmark-report.py scripts/gpu-test-report.py; do
  [ -f "$f" ] || { echo "missing $f (the device runs it from the working tree)" >&2; exit 1; }
done
{ git rev-parse HEAD 2>/dev/null || echo unknown; } | tr -d '\n' > "$out/commit.txt"
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then echo "+dirty" >> "$out/commit.txt"; else echo >> "$out/commit.txt"; fi

# Fashion-MNIST, comparison bundle only: the four idx files un-gzipped and packed with xz -9
# (26.4 MB against 30.6 MB of gzip). Both readers (Engine's Mnist.Load and seed_cnn.py) take raw
# idx files. The folder inside stays named fashion-mnist: the reports name the data by it.
if [ "$kind" = compare ]; then
  data_key="fashion-mnist-$(cat "${fm_sources[@]}" | md5sum | cut -c1-16).tar.xz"
  if [ ! -f "$cache/$data_key" ]; then
    echo "data: data/fashion-mnist -> raw idx, xz -9 (a minute or two)"
    tmp=$(mktemp -d)
    mkdir "$tmp/fashion-mnist"
    for f in "${fm_sources[@]}"; do gzip -dc "$f" > "$tmp/fashion-mnist/$(basename "$f" .gz)"; done
    (cd "$tmp" && pack fashion-mnist) | xz -T0 -9 > "$cache/$data_key.part" && mv "$cache/$data_key.part" "$cache/$data_key"
    rm -rf "$tmp"
  else
    echo "data: cached $cache/$data_key"
  fi
  cp "$cache/$data_key" "$out/fashion-mnist.tar.xz"
else
  echo "data: none in the test bundle (Fashion-MNIST goes in the comparison bundle: $0 --compare)"
fi

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine:  .gpu/run.sh cuda-tests [xunit options]   (a): `engine info`, the Engine.Tests.Cuda namespace and the
#                                                          GPU test log (scripts/gpu-test-report.py) in $OUT, in under 6 minutes
#                      .gpu/run.sh tests [xunit options]    e.g. -class '*Parity*' (xunit's own runner: -? lists options)
#                      .gpu/run.sh bench [BenchmarkDotNet options]   (add --inProcess: no SDK there)
#                      .gpu/run.sh cli [engine arguments]
#                      .gpu/run.sh info                     CUDA devices and libraries as Engine sees them
#   .gpu-compare/run.sh compare                            (b): scripts/gpu-benchmark.sh, seed CNN, Engine vs PyTorch
#   .gpu-compare/run.sh data                               unpacks Fashion-MNIST, prints its folder
# Which of these a bundle can run: its bundle.txt (test bundle .gpu: cuda-tests, tests, bench, cli,
# info; comparison bundle .gpu-compare: bench, compare, data). Results and logs go to $OUT when it is set.
# Relies on bash, coreutils (md5sum), tar, and xz or else python3 (its lzma module) to unpack.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unpacked=${ENGINE_GPU_UNPACK:-/tmp/engine-gpu}
# Unpacks an archive once per content: a new bundle gets a new folder.
unpack() {
  local archive="$here/$1.tar.xz" dest
  if [ ! -f "$archive" ]; then
    echo "run.sh: $(basename "$here")/$1.tar.xz is not in this bundle ($(head -1 "$here/bundle.txt" 2>/dev/null || echo unknown));" \
      "build the one that has it (scripts/gpu-bundle.sh: tests, cli; --compare: Fashion-MNIST)" >&2
    return 1
  fi
  dest="$unpacked/$1-$(md5sum "$archive" | cut -c1-12)"
  if [ ! -e "$dest/.done" ]; then
    rm -rf "$dest" && mkdir -p "$dest"
    if command -v xz >/dev/null 2>&1; then tar -C "$dest" -xJf "$archive"
    else python3 -c 'import sys, tarfile
kw = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
tarfile.open(sys.argv[1]).extractall(sys.argv[2], **kw)' "$archive" "$dest"; fi
    touch "$dest/.done"
  fi
  echo "$dest"
}
dotnet_env() {
  DOTNET_ROOT=$(unpack dotnet-runtime)
  export DOTNET_ROOT PATH="$DOTNET_ROOT:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  # .NET needs libicu for cultures; without it, invariant mode instead of a start-up failure.
  local libs
  libs=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
  if [ -z "${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-}" ] && [[ "$libs" != *libicuuc.so* ]]; then
    echo "run.sh: no libicu found: DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1" >&2
    export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  fi
}
export ENGINE_CACHE_DIR=${ENGINE_CACHE_DIR:-/tmp/engine-cache}
results=${OUT:-$here/results}
mkdir -p "$results"
what=${1:-tests}
shift || true
case "$what" in
  tests) dotnet_env; app=$(unpack tests); cd "$app" && exec dotnet Engine.Tests.dll -noColor -result-xml "$results/tests.xml" "$@" ;;
  bench) dotnet_env; app=$(unpack benchmarks); cd "$results" && exec dotnet "$app/Engine.Benchmarks.dll" "$@" ;;
  cli)   dotnet_env; app=$(unpack cli); exec dotnet "$app/Engine.Cli.dll" "$@" ;;
  info)  if [ ! -f "$here/tests.tar.xz" ]; then
           echo "info: no tests in this bundle; gpu-compare's JSON lines name the GPU, driver CUDA and the NVRTC/cuBLAS it loaded"
           exit 0
         fi
         dotnet_env; cd "$(unpack tests)" && ENGINE_CUDA_INFO_OUT="$results/cuda-info.txt" dotnet Engine.Tests.dll -noColor -method '*CudaInfoReport' >/dev/null || true
         cat "$results/cuda-info.txt" ;;
  cuda-tests)
         # (a) in one device call, under 6 minutes (the tool allows 10): each step has its own time
         # limit, and everything is tee'd into $OUT as it happens, so a stop still returns the log.
         if [ ! -f "$here/tests.tar.xz" ]; then echo "cuda-tests: this is the comparison bundle; build the test bundle (scripts/gpu-bundle.sh)" >&2; exit 2; fi
         started=$SECONDS
         dotnet_env; app=$(unpack tests); cli=$(unpack cli)
         cp "$here/commit.txt" "$results/commit.txt"
         echo "== engine info (unpacked in $((SECONDS - started)) s)" | tee "$results/engine-info.txt"
         timeout -k 5 60 dotnet "$cli/Engine.Cli.dll" info 2>&1 | tee -a "$results/engine-info.txt" || true
         cp "$results/engine-info.txt" "$results/cuda-info.txt"   # CudaInfoReport rewrites it, with the kernel modules it loaded
         limit=${ENGINE_TESTS_TIMEOUT:-$((330 - (SECONDS - started)))}
         echo "== Engine.Tests.Cuda (time limit ${limit} s)" | tee "$results/tests.log"
         set +e
         (cd "$app" && ENGINE_CUDA_VERBOSE=1 ENGINE_CUDA_INFO_OUT="$results/cuda-info.txt" ENGINE_LOSS_TABLE_OUT="$results/loss-table.txt" \
           timeout -k 10 "$limit" dotnet Engine.Tests.dll -noColor -namespace Engine.Tests.Cuda -result-xml "$results/tests.xml" "$@") 2>&1 \
           | tee -a "$results/tests.log"
         status=${PIPESTATUS[0]}
         set -e
         [ "$status" -ne 124 ] || echo "== the test run hit its ${limit} s limit; the log above is what ran" | tee -a "$results/tests.log"
         python3 "$here/../scripts/gpu-test-report.py" "$results" || { [ "$status" -ne 0 ] || status=1; }
         echo "== cuda-tests took $((SECONDS - started)) s, exit $status"
         exit "$status" ;;
  data)  dir=$(unpack fashion-mnist) && echo "$dir/fashion-mnist" ;;
  compare) # (b) under 8 minutes: gpu-benchmark.sh keeps its own time budget; its progress is tee'd into $OUT.
         set +e
         GPU_BUNDLE=$here "$here/../scripts/gpu-benchmark.sh" "$@" 2>&1 | tee "$results/compare.log"
         exit "${PIPESTATUS[0]}" ;;
  *) echo "usage: $0 cuda-tests|tests|bench|cli|info|compare|data [args]" >&2; exit 2 ;;
esac
RUN
chmod +x "$out/run.sh"

# What travels in one device call: .gpu plus the working tree (tracked and untracked-not-ignored files).
tree=$(git ls-files -z --cached --others --exclude-standard | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)
parts=$(cd "$out" && ls)
{
  echo "$kind bundle ($([ "$kind" = compare ] && echo 'run.sh compare | bench | data' || echo 'run.sh cuda-tests | tests | bench | cli | info'))"
  for p in $parts; do printf '%s %d\n' "$p" "$(stat -c %s "$out/$p")"; done
} > "$out/bundle.txt"
bundle=$(du -sb "$out" | cut -f1)
total=$((bundle + tree))
echo "$kind bundle:"
for p in $parts bundle.txt; do printf '  %-26s %6.1f MiB\n' "$p" "$(echo "$(stat -c %s "$out/$p") / $mib" | bc -l)"; done
printf '  %-26s %6.1f MiB\n' "$bundle_name in all" "$(echo "$bundle / $mib" | bc -l)"
printf '  %-26s %6.1f MiB\n' "working tree (travels too)" "$(echo "$tree / $mib" | bc -l)"
printf 'total: %d bytes (%.1f MiB; the device takes 64 MiB, this script wants %.0f MiB of margin)\n' \
  "$total" "$(echo "$total / $mib" | bc -l)" "$(echo "$margin / $mib" | bc -l)"
if [ "$total" -gt $((limit - margin)) ]; then
  echo "error: $bundle_name plus the working tree is $((total / mib)) MiB, over the $(((limit - margin) / mib)) MiB that can be carried with margin" >&2
  exit 1
fi
