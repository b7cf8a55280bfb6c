"""Writes the CPU soak's log (markdown) from the probe's samples; see cpu-soak.sh.

usage: report.py SAMPLES.tsv LOG.md EXIT_CODE EPOCHS COMMIT ARGS DOTNET_ENV
"""
import statistics
import sys

samples, log, code, epochs, commit, args, dotnetenv = sys.argv[1:]
lines = [l.rstrip("\n").split("\t") for l in open(samples) if l.strip()]
head, rows = lines[0], [dict(zip(lines[0], map(int, l))) for l in lines[1:] if len(l) == len(lines[0])]
if len(rows) < 10:
    sys.exit(f"only {len(rows)} samples in {samples}: did the probe load (DOTNET_STARTUP_HOOKS)?")

MiB = 1024  # the probe writes KiB


def mib(kib):
    return f"{kib / MiB:.1f}"


# Only the training counts: the samples before the last epoch had finished (what follows is the final
# report, the test evaluation and the plot, which JIT-compile their own code and allocate).
last_epoch = max(r["epochs_done"] for r in rows)
training = [r for r in rows if r["epochs_done"] < last_epoch]
# Warm-up: until the JIT has compiled 99% of the methods it compiled during training (see cpu-soak.sh).
final_jit = training[-1]["jit_methods"]
warm = next(i for i, r in enumerate(training) if r["jit_methods"] >= 0.99 * final_jit)
after = training[warm:]
rss = [r["rss_kib"] for r in after]
lo, hi, med = min(rss), max(rss), statistics.median(rss)
t0, t1 = after[0]["t_ms"], after[-1]["t_ms"]
first_min = [r["rss_kib"] for r in after if r["t_ms"] <= t0 + 60_000]
last_min = [r["rss_kib"] for r in after if r["t_ms"] >= t1 - 60_000]
drift = statistics.mean(last_min) - statistics.mean(first_min)
flat = hi - lo <= 4 * MiB


def change(key):
    return after[-1][key] - after[0][key]


with open(log, "w") as f:
    w = f.write
    w("# CPU soak: resident memory of `engine train` over ~10,000 steps\n\n")
    w(f"- command: `{dotnetenv}benchmarks/soak/cpu-soak.sh` (runs `engine {args}` with the SoakProbe startup hook)\n")
    w(f"- commit: {commit}; exit code {code}; epochs finished: {epochs} of 89 (113 steps each); "
      f"{len(rows)} samples, one a second (raw: `{log.split('/')[-1]}.tsv`)\n")
    w(f"- warm-up: {warm} samples ({after[0]['t_ms'] / 1000:.0f} s, {after[0]['epochs_done']} epochs), until the JIT had "
      f"compiled 99% of the {final_jit} methods it compiled during training ({after[0]['jit_methods']} then; {change('jit_methods'):+d} after); "
      f"measured until the last epoch began ({after[-1]['t_ms'] / 1000:.0f} s, {after[-1]['epochs_done']} epochs done)\n")
    w(f"- RSS after warm-up: min {mib(lo)} MiB, median {mib(med)} MiB, max {mib(hi)} MiB, range {(hi - lo) / MiB:.2f} MiB; "
      f"drift (mean of the last minute minus the first): {drift / MiB:+.2f} MiB\n")
    w(f"- after warm-up: GC heap committed {change('gc_committed_kib') / MiB:+.2f} MiB, anonymous RSS "
      f"{change('rss_anon_kib') / MiB:+.2f} MiB, file-backed RSS {change('rss_file_kib') / MiB:+.2f} MiB, "
      f"GCs gen0/1/2 {change('gc0')}/{change('gc1')}/{change('gc2')}, managed allocation "
      f"{change('allocated_kib') / MiB:.1f} MiB, pool arrays allocated {change('pool_rented') - change('pool_reused')}, "
      f"dropped {change('pool_dropped')}, threads {after[0]['threads']} -> {after[-1]['threads']}\n")
    w(f"- verdict: {'FLAT' if flat else 'NOT flat'} within +-2 MiB (range {(hi - lo) / MiB:.2f} MiB of at most 4)\n\n")

    w("Per epoch (the last sample in which that many epochs had finished; MiB unless named; "
      "native = RSS - GC committed, which counts committed-but-untouched GC memory against it):\n\n")
    cols = [("t (s)", lambda r: f"{r['t_ms'] / 1000:.0f}"), ("epochs", lambda r: str(r["epochs_done"])),
            ("RSS", lambda r: mib(r["rss_kib"])), ("anon", lambda r: mib(r["rss_anon_kib"])),
            ("file", lambda r: mib(r["rss_file_kib"])), ("GC committed", lambda r: mib(r["gc_committed_kib"])),
            ("GC heap", lambda r: mib(r["gc_heap_kib"])), ("frag", lambda r: mib(r["gc_fragmented_kib"])),
            ("gen0/1/2/LOH/POH", lambda r: "/".join(mib(r[k]) for k in ("gen0_kib", "gen1_kib", "gen2_kib", "loh_kib", "poh_kib"))),
            ("GCs 0/1/2", lambda r: f"{r['gc0']}/{r['gc1']}/{r['gc2']}"), ("allocated", lambda r: mib(r["allocated_kib"])),
            ("pool fresh/dropped", lambda r: f"{r['pool_rented'] - r['pool_reused']}/{r['pool_dropped']}"),
            ("pool held", lambda r: f"{r['pool_arrays']} ({mib(r['pool_kib'])})"),
            ("JIT methods", lambda r: str(r["jit_methods"])), ("JIT ms", lambda r: str(r["jit_ms"])),
            ("threads", lambda r: str(r["threads"])), ("native", lambda r: mib(r["native_kib"]))]
    w("| " + " | ".join(c for c, _ in cols) + " |\n")
    w("|" + "---:|" * len(cols) + "\n")
    last = {}
    for r in rows:
        last[r["epochs_done"]] = r
    for e in sorted(last):
        if e <= 5 or e % 5 == 0 or e == max(last):
            w("| " + " | ".join(fn(last[e]) for _, fn in cols) + " |\n")
print(open(log).read().split("\nPer epoch")[0])
