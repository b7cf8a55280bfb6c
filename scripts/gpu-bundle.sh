#!/usr/bin/env bash
# Builds .gpu/: everything the GPU machine (no .NET, no network) needs to run the tests and the
# benchmarks, within the 64 MiB that `carry` allows.
#   .gpu/dotnet-runtime.tar.xz   this machine's .NET runtime: dotnet, host/, shared/Microsoft.NETCore.App/
#   .gpu/tests.tar.xz            Release, framework-dependent build of tests/Engine.Tests
#   .gpu/benchmarks.tar.xz       same for benchmarks/Engine.Benchmarks
#   .gpu/cli.tar.xz              same for src/Engine.Cli, when it exists
#   .gpu/run.sh                  on the device: unpacks each archive once (under /tmp), then runs one
#   .gpu/commit.txt              the commit (and "+dirty") the builds came from; the device has no .git
#   .gpu/fashion-mnist/          data/fashion-mnist's idx files, when they exist and still fit
# The PyTorch scripts (benchmarks/pytorch/) and scripts/gpu-benchmark.sh are tracked files: they
# travel with the working tree, next to .gpu. `.gpu/run.sh compare` runs the Engine-vs-PyTorch script.
# The builds are compressed too: BenchmarkDotNet alone brings ~27 MB of assemblies.
# Usage: scripts/gpu-bundle.sh            then: run(carry: [".gpu"], command: ".gpu/run.sh tests")
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/.gpu"
limit=$((64 * 1024 * 1024))

dotnet_bin=$(readlink -f "$(command -v dotnet)")
dotnet_root=${DOTNET_ROOT:-$(dirname "$dotnet_bin")}
runtime_dir=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* 2>/dev/null | sort -V | tail -1)
[ -n "$runtime_dir" ] || { echo "no .NET 10 runtime under $dotnet_root/shared/Microsoft.NETCore.App" >&2; exit 1; }
runtime_version=$(basename "$runtime_dir")

rm -rf "$out"
mkdir -p "$out"

echo "runtime: $dotnet_root (Microsoft.NETCore.App $runtime_version)"
# Only the host and the base runtime: the SDK, ASP.NET and the packs stay behind.
tar -C "$dotnet_root" -cf - dotnet host "shared/Microsoft.NETCore.App/$runtime_version" | xz -T0 -6 > "$out/dotnet-runtime.tar.xz"

publish() {
  local project=$1 name=$2 staging="$out/.staging/$2"
  echo "publish: $project -> .gpu/$name.tar.xz"
  dotnet publish "$project" -c Release -r linux-x64 --self-contained false -o "$staging" \
    -p:DebugType=none -p:SatelliteResourceLanguages=en -p:GenerateDocumentationFile=false -nologo -v quiet >/dev/null
  find "$staging" -name '*.pdb' -delete
  tar -C "$staging" -cf - . | xz -T0 -6 > "$out/$name.tar.xz"
  rm -rf "$staging"
}

publish tests/Engine.Tests tests
publish benchmarks/Engine.Benchmarks benchmarks
if [ -d src/Engine.Cli ]; then publish src/Engine.Cli cli; fi
rmdir "$out/.staging"

for f in benchmarks/pytorch/seed_cnn.py scripts/gpu-benchmark.sh scripts/gpu-benchmark-report.py; do
  [ -f "$f" ] || { echo "missing $f (the device runs it from the working tree)" >&2; exit 1; }
done
{ git rev-parse HEAD 2>/dev/null || echo unknown; } | tr -d '\n' > "$out/commit.txt"
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then echo "+dirty" >> "$out/commit.txt"; else echo >> "$out/commit.txt"; fi

# Fashion-MNIST for the accuracy comparison (git-ignored, so it does not travel with the tree):
# ~30 MiB gzipped, so it goes in only when the bundle stays under the limit with it.
if ls data/fashion-mnist/*-idx*-ubyte.gz >/dev/null 2>&1; then
  data_size=$(cat data/fashion-mnist/*-idx*-ubyte.gz | wc -c)
  if [ $(( $(du -sb "$out" | cut -f1) + data_size )) -lt $(( limit - 1024 * 1024 )) ]; then
    mkdir -p "$out/fashion-mnist" && cp data/fashion-mnist/*-idx*-ubyte.gz "$out/fashion-mnist/"
    echo "data: data/fashion-mnist -> .gpu/fashion-mnist ($data_size bytes)"
  else
    echo "data: data/fashion-mnist left out ($data_size bytes would pass 64 MiB); the accuracy run falls back to data/digits"
  fi
else
  echo "data: no data/fashion-mnist (python3 scripts/convert-fashion-mnist.py makes it); the accuracy run falls back to data/digits"
fi

cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# On the GPU machine:  .gpu/run.sh tests [xunit options]    e.g. -namespace Engine.Tests.Cuda (xunit's own runner: -? lists options)
#                      .gpu/run.sh bench [BenchmarkDotNet options]
#                      .gpu/run.sh cli [engine arguments]
#                      .gpu/run.sh info                     CUDA devices and libraries as Engine sees them
#                      .gpu/run.sh compare                  scripts/gpu-benchmark.sh: seed CNN, Engine vs PyTorch
# Results and logs go to $OUT when it is set (the device tool returns that folder).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unpacked=${ENGINE_GPU_UNPACK:-/tmp/engine-gpu}
# Unpacks an archive once per content: a new bundle gets a new folder.
unpack() {
  local archive="$here/$1.tar.xz" dest
  dest="$unpacked/$1-$(md5sum "$archive" | cut -c1-12)"
  if [ ! -e "$dest/.done" ]; then
    rm -rf "$dest" && mkdir -p "$dest" && tar -C "$dest" -xJf "$archive" && touch "$dest/.done"
  fi
  echo "$dest"
}
export DOTNET_ROOT=$(unpack dotnet-runtime)
export PATH="$DOTNET_ROOT:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export ENGINE_CACHE_DIR=${ENGINE_CACHE_DIR:-/tmp/engine-cache}
results=${OUT:-$here/results}
mkdir -p "$results"
what=${1:-tests}
shift || true
case "$what" in
  tests) cd "$(unpack tests)" && exec dotnet Engine.Tests.dll -noColor -result-xml "$results/tests.xml" "$@" ;;
  bench) app=$(unpack benchmarks) && cd "$results" && exec dotnet "$app/Engine.Benchmarks.dll" "$@" ;;
  cli)   app=$(unpack cli) && exec dotnet "$app/Engine.Cli.dll" "$@" ;;
  info)  cd "$(unpack tests)" && ENGINE_CUDA_INFO_OUT="$results/cuda-info.txt" dotnet Engine.Tests.dll -noColor -method '*CudaInfoReport' >/dev/null || true
         cat "$results/cuda-info.txt" ;;
  compare) exec "$here/../scripts/gpu-benchmark.sh" "$@" ;;
  *) echo "usage: $0 tests|bench|cli|info|compare [args]" >&2; exit 2 ;;
esac
RUN
chmod +x "$out/run.sh"

total=$(du -sb "$out" | cut -f1)
du -sh "$out"/* | sed 's/^/  /'
printf 'total: %s bytes (%.1f MiB; the limit is 64 MiB)\n' "$total" "$(echo "$total / 1048576" | bc -l)"
if [ "$total" -ge "$limit" ]; then
  echo "error: .gpu is larger than 64 MiB and cannot be carried to the device" >&2
  exit 1
fi
