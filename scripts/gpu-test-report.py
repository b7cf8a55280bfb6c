#!/usr/bin/env python3
"""Writes the GPU test log, from what `.gpu/run.sh cuda-tests` leaves in a results
folder ($OUT on the device):

    tests.xml        xunit v3 result XML of the test run (-result-xml; missing when it timed out)
    tests.log        what the test run printed (its tail goes into the log when the XML is missing)
    cuda-info.txt    `engine info`'s report (GPU, driver/CUDA, NVRTC and cuBLAS and where they loaded from)
    loss-table.txt   the seed CNN's CPU/GPU loss table (ENGINE_LOSS_TABLE_OUT)
    commit.txt       the commit the bundle was built from

    python3 scripts/gpu-test-report.py RESULTS_DIR [--out FILE]

The log has the date, the GPU, driver and CUDA versions, the commit, pass/fail/skip counts for the
whole suite and for the Cuda tests, every failure with its message, the skips grouped by reason,
the loss table, and what the GPU tests printed (memory figures). It only reads; it never judges a
run better than the XML says.
"""
import argparse
import collections
import datetime
import os
import sys
import xml.etree.ElementTree as ET


def read(path, default=""):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return default


def first_line(text, limit=240):
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def gpu_line(info):
    """The 'cuda:0  NVIDIA H100 …' line of the info report, without the index."""
    for line in info.splitlines():
        s = line.strip()
        if s.startswith("cuda:"):
            return s.split(None, 1)[1] if " " in s else s
    return None


def counts(tests):
    c = collections.Counter(t.get("result") for t in tests)
    return c.get("Pass", 0), c.get("Fail", 0), c.get("Skip", 0), c.get("NotRun", 0)


def row(label, tests):
    p, f, s, n = counts(tests)
    return f"| {label} | {len(tests)} | {p} | {f} | {s} | {n} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="folder with tests.xml, cuda-info.txt, loss-table.txt, commit.txt")
    parser.add_argument("--out", help="markdown file to write (default: RESULTS/<date>-<gpu>-gpu-tests.md)")
    args = parser.parse_args()

    xml_path = os.path.join(args.results, "tests.xml")
    info = read(os.path.join(args.results, "cuda-info.txt"), "(cuda-info.txt missing)")
    loss_table = read(os.path.join(args.results, "loss-table.txt")).rstrip()
    commit = read(os.path.join(args.results, "commit.txt"), "unknown").strip()
    gpu = gpu_line(info)
    date = datetime.date.today().isoformat()
    target = args.out or os.path.join(args.results, f"{date}-{(gpu or 'no-gpu').split(',')[0].lower().replace(' ', '-')}-gpu-tests.md")
    if not os.path.exists(xml_path):
        # Timed out or crashed: still leave a log, with what the run printed before it stopped.
        tail = read(os.path.join(args.results, "tests.log"), "(tests.log missing)").splitlines()[-80:]
        out = [f"# GPU test run, {date}: INCOMPLETE", "", f"- GPU: {gpu or 'none found'}", f"- Commit: `{commit}`", "",
               "The test run wrote no result XML: it timed out or crashed. The last lines of tests.log:", "",
               "```", *tail, "```", "", "## CUDA as Engine sees it", "", "```", info.rstrip(), "```"]
        with open(target, "w", encoding="utf-8") as f:
            f.write("\n".join(out).rstrip() + "\n")
        print(target)
        sys.exit(f"gpu-test-report: {xml_path} is missing; the test run did not write its result XML (see {target})")
    root = ET.parse(xml_path).getroot()
    tests = root.findall(".//test")

    cuda = [t for t in tests if (t.get("type") or "").startswith("Engine.Tests.Cuda.")]
    failures = [t for t in tests if t.get("result") == "Fail"]
    skips = [t for t in tests if t.get("result") == "Skip"]

    out = [f"# GPU test run, {date}", ""]
    out.append(f"- GPU: {gpu or 'none found (see the CUDA report below)'}")
    out.append(f"- Commit: `{commit}`")
    assembly = root.find("assembly")
    if assembly is not None:
        out.append(f"- Runtime: {assembly.get('environment', '?')}; {assembly.get('test-framework', '?')}")
    out += ["", "## CUDA as Engine sees it", "", "```", info.rstrip(), "```", ""]
    out += ["## Counts", "", "| tests | total | passed | failed | skipped | not run |", "|---|---:|---:|---:|---:|---:|"]
    out.append(row("all in the run", tests))
    out.append(row("Engine.Tests.Cuda", cuda))
    out.append("")
    out.append("## Failures" + ("" if failures else ": none"))
    out.append("")
    for t in failures:
        message = t.findtext("failure/message") or ""
        out.append(f"- `{t.get('name')}`: {first_line(message, 600)}")
    if failures:
        out.append("")
    out.append("## Skips" + ("" if skips else ": none"))
    out.append("")
    by_reason = collections.defaultdict(list)
    for t in skips:
        by_reason[first_line(t.findtext("reason"))].append(t.get("name"))
    for reason, names in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(f"`{n.split('.')[-2]}.{n.split('.')[-1]}`" for n in names[:6])
        more = f" and {len(names) - 6} more" if len(names) > 6 else ""
        out.append(f"- {len(names)} × {reason or '(no reason given)'}: {shown}{more}")
    if skips:
        out.append("")
    out += ["## Seed CNN, CPU vs GPU loss (|gpu − cpu| ≤ 2e-3 + 1e-3·|cpu| at every 20th step)", ""]
    out += (["```", loss_table, "```"] if loss_table else ["(no loss table: the agreement test did not run or did not write ENGINE_LOSS_TABLE_OUT)"])
    out.append("")
    printed = [(t.get("name"), (t.findtext("output") or "").strip()) for t in cuda if (t.findtext("output") or "").strip()]
    if printed:
        out += ["## What the GPU tests printed", ""]
        for name, text in printed:
            out += [f"`{name}`", "", "```", text, "```", ""]

    with open(target, "w", encoding="utf-8") as f:
        f.write("\n".join(out).rstrip() + "\n")
    print(target)
    p, f_, s, n = counts(tests)
    print(f"{len(tests)} tests: {p} passed, {f_} failed, {s} skipped, {n} not run")


if __name__ == "__main__":
    main()
