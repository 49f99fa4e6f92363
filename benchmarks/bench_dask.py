"""The Dask engine against ``--jobs 2`` and the local engine on a sharded generated dataset.

    nice python benchmarks/bench_dask.py --rows 1000000 --shards 16          # the README table
    nice python benchmarks/bench_dask.py --rows 1000000 --shards 16 --scaling 4,16,64

The data is ``benchmarks/generate.py``'s CSV (planted issues, 5 columns, ~270 bytes a row) cut
into ``--shards`` CSV files of equal row counts.  Each engine runs ``trainlint check DIR`` in its
own process (under the caller's ``nice``); wall time is taken around the process, peak RSS is
sampled from /proc every 20 ms for the client and for every worker process separately.  The
JSON findings of the three runs must be identical, or the script says so and exits 1.

Then one in-process Dask run with the task stream on: busy worker time per row, the scheduler
overhead (worker-seconds not spent in tasks, per task), cluster start-up, the time of the
final merge + ``finish`` on the client (which includes the near-duplicate rules' shuffles on the
workers), the merged state's size per row, and the bytes the band-hash shuffle and the
verification shuffle moved (the results' sizes as the workers report them).  From those, a paper
estimate for 1 TB on N workers.  Prints markdown.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pickle
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OUT = os.path.join(HERE, "out")
PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 1 << 20


# -- data ----------------------------------------------------------------------------------------

def shards(rows: int, n: int) -> str:
    """benchmarks/data/shards_<rows>_<n>/part-XXX.csv, made from generate.py's CSV on first use."""
    folder = os.path.join(DATA, f"shards_{rows}_{n}")
    if os.path.isdir(folder) and len(os.listdir(folder)) == n:
        return folder
    label = f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows // 1000}k"
    src = os.path.join(DATA, f"gen_{label}.csv")  # bench.py's name for the same data
    if not os.path.exists(src):
        sys.path.insert(0, HERE)
        from generate import generate

        print(f"generating {src} ...", file=sys.stderr)
        generate(rows, "csv", src)
    os.makedirs(folder, exist_ok=True)
    per = -(-rows // n)
    with open(src, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for k in range(n):
            with open(os.path.join(folder, f"part-{k:03d}.csv"), "w", newline="", encoding="utf-8") as out:
                w = csv.writer(out)
                w.writerow(header)
                for _ in range(per):
                    row = next(reader, None)
                    if row is None:
                        break
                    w.writerow(row)
    return folder


# -- one CLI run, measured -------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out: list[int] = []
    kids: list[int] = []
    try:  # children of every thread (Dask's nanny starts workers from its event-loop thread)
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except OSError:
        return out
    for k in kids:
        out.append(k)
        out.extend(_children(k))
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


def run_cli(folder: str, extra: list[str], out_json: str) -> dict:
    cmd = [sys.executable, "-m", "trainlint", "check", folder, "--no-progress", "--exit-zero", "--isolated",
           "--output-format", "json", "--output-file", out_json] + extra
    peak: dict[int, int] = {}
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in [p.pid] + _children(p.pid):
                r = _rss(pid)
                if r > peak.get(pid, 0):
                    peak[pid] = r
            time.sleep(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, err = p.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    client = peak.pop(p.pid, 0)
    # workers: the children doing the work (the fork server / resource tracker stay small)
    workers = sorted(peak.values(), reverse=True)
    return {"wall": wall, "client_mb": client / MB, "worker_mb": (workers[0] / MB) if workers else 0.0,
            "n_children": len(workers)}


# -- the in-process Dask run: where the time goes --------------------------------------------------

def dask_profile(folder: str, workers: int) -> dict:
    import distributed

    import trainlint.engines.dask as de
    from trainlint.engines.dask_tasks import one_arrow_thread
    from trainlint.config import Settings
    from trainlint.runner import build_rules
    from trainlint.sources import ReadOptions, open_sources

    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=40)
    client = distributed.Client(cluster, set_as_default=False)
    client.run(one_arrow_thread)
    startup = time.perf_counter() - t0
    rules = build_rules(Settings())
    specs = open_sources([folder], ReadOptions())
    # warm the workers (imports, language profiles) on one shard, as a long-lived cluster would be
    t = time.perf_counter()
    de.DaskEngine(client).run(open_sources([os.path.join(folder, sorted(os.listdir(folder))[0])],
                                           ReadOptions()), rules)
    warmup = time.perf_counter() - t
    rows = None
    measured: dict = {}
    real_finish = de.finish_run

    def timed_finish(rules_, states, *a, **kw):
        measured["state_bytes"] = {r.name: len(pickle.dumps(s, protocol=5)) for r, s in zip(rules_, states)}
        t = time.perf_counter()
        res = real_finish(rules_, states, *a, **kw)
        measured["finish"] = time.perf_counter() - t
        return res

    de.finish_run = timed_finish
    try:
        # cutting blocks alone: the client's serial share (scan for record boundaries)
        t = time.perf_counter()
        nblocks = sum(1 for s in specs for _ in (s.reader.blocks_by_range() if hasattr(s.reader, "blocks_by_range")
                                                  else s.reader.blocks()))
        cut = time.perf_counter() - t
        with distributed.get_task_stream(client) as ts:
            t = time.perf_counter()
            result = de.DaskEngine(client).run(specs, rules)
            wall = time.perf_counter() - t
        rows = sum(result.rows_by_source.values())
    finally:
        de.finish_run = real_finish
        client.close()
        cluster.close()
    busy = {"block": 0.0, "merge": 0.0, "shuffle": 0.0, "other": 0.0}
    ntasks = {"block": 0, "merge": 0, "shuffle": 0, "other": 0}
    moved = {"band": 0, "rows": 0, "pairs": 0}  # bytes of band pieces, row pieces, reduce results
    for task in ts.data:
        key = str(task["key"])
        kind = ("block" if "trainlint-block" in key else "merge" if "trainlint-merge" in key else
                "shuffle" if any(f"trainlint-{x}-" in key for x in ("split", "piece", "reduce")) else "other")
        for ss in task["startstops"]:
            if ss["action"] == "compute":
                busy[kind] += ss["stop"] - ss["start"]
        ntasks[kind] += 1
        nbytes = int(task.get("nbytes") or 0)
        if "trainlint-piece-band_split" in key:
            moved["band"] += nbytes
        elif "trainlint-piece-rows_split" in key:
            moved["rows"] += nbytes
        elif "trainlint-reduce-" in key:
            moved["pairs"] += nbytes
    total_busy = busy["block"] + busy["merge"] + busy["other"]  # the shuffles run during finish
    return {"startup": startup, "warmup": warmup, "wall": wall, "rows": rows, "blocks": nblocks, "cut": cut,
            "busy_block": busy["block"], "busy_merge": busy["merge"], "busy_shuffle": busy["shuffle"],
            "busy_other": busy["other"], "tasks": ntasks, "moved": moved,
            "idle": workers * (wall - measured.get("finish", 0.0)) - total_busy, "finish": measured.get("finish", 0.0),
            "state_bytes": measured.get("state_bytes", {}), "workers": workers,
            "bytes": sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))}


def estimate(p: dict, workers: list[int]) -> list[str]:
    """1 TB on N workers from the measured per-row and per-byte costs."""
    bytes_per_row = p["bytes"] / p["rows"]
    rows_tb = 1e12 / bytes_per_row
    cpu_per_row = p["busy_block"] / p["rows"]
    cut_per_byte = p["cut"] / p["bytes"]
    state_per_row = sum(p["state_bytes"].values()) / p["rows"]
    band_per_row = p["moved"]["band"] / p["rows"]  # measured: (band, key, row) per band and masked row
    verify_per_row = (p["moved"]["rows"] + p["moved"]["pairs"]) / p["rows"]
    lines = [
        f"- measured: {bytes_per_row:.0f} bytes/row; {cpu_per_row * 1e6:.0f} µs of worker CPU per row in block "
        f"tasks; client block cutting {1e9 * cut_per_byte:.2f} s/GB (serial); merged state "
        f"{state_per_row:.0f} bytes/row, finish (with the near-duplicate shuffles) {p['finish']:.1f} s for "
        f"{p['rows']:,} rows; band-hash shuffle {band_per_row:.0f} bytes/row, verification "
        f"{verify_per_row:.0f} bytes/row (rows sent to verification tasks + pairs back).",
        f"- 1 TB ≈ {rows_tb / 1e9:.1f} G rows: {rows_tb * cpu_per_row / 3600:,.0f} worker-hours of block work; "
        f"client cutting ≈ {1e12 * cut_per_byte / 3600:.1f} h serial unless inputs are Parquet "
        f"(row groups need no scan).",
    ]
    for n in workers:
        lines.append(f"  - {n} workers: block work ≈ {rows_tb * cpu_per_row / n / 3600:.1f} h "
                     f"(floor: the client's cutting, {1e12 * cut_per_byte / 3600:.1f} h, for CSV/JSONL)")
    lines.append(
        f"- client: merged state {state_per_row:.0f} B/row → {rows_tb * state_per_row / 1e12:.2f} TB for 1 TB of "
        f"input; shuffles: {rows_tb * band_per_row / 1e12:.2f} TB of band hashes + "
        f"{rows_tb * verify_per_row / 1e12:.2f} TB for verification, moved once between workers; "
        f"shuffle work {p['busy_shuffle'] / p['rows'] * 1e6:.1f} µs of worker CPU per row.")
    return lines


def profile(folder: str, workers: int) -> None:
    """The in-process Dask run, printed: where the time goes, bytes moved, the 1 TB estimate."""
    p = dask_profile(folder, workers)
    per_task = p["idle"] / max(1, p["tasks"]["block"] + p["tasks"]["merge"])
    print(f"\nDask run in process: cluster start-up {p['startup']:.1f} s, first run on one shard (worker "
          f"warm-up) {p['warmup']:.1f} s; then the warm run {p['wall']:.1f} s for "
          f"{p['tasks']['block']} block + {p['tasks']['merge']} merge + {p['tasks']['shuffle']} shuffle + "
          f"{p['tasks']['other']} other tasks; worker busy "
          f"{p['busy_block']:.1f} s (blocks) + {p['busy_merge']:.2f} s (merges) + {p['busy_shuffle']:.1f} s "
          f"(shuffles) + {p['busy_other']:.2f} s (detaching parts) of "
          f"{p['workers'] * (p['wall'] - p['finish']):.1f} worker-s before finish; not in tasks "
          f"{p['idle']:.1f} worker-s ({100 * p['idle'] / (p['workers'] * (p['wall'] - p['finish'])):.0f} %, "
          f"{per_task * 1000:.0f} ms per task: "
          f"the client cutting blocks ({p['cut']:.1f} s alone), transfers, scheduling); final merge + "
          f"finish on the client {p['finish']:.1f} s (its shuffles run on the workers). Moved: band-hash "
          f"pieces {p['moved']['band'] / MB:.0f} MB, rows for verification {p['moved']['rows'] / MB:.0f} MB, "
          f"pairs back to the client {p['moved']['pairs'] / MB:.1f} MB.\n")
    big = sorted(p["state_bytes"].items(), key=lambda kv: -kv[1])[:4]
    print("Merged state by rule, bytes/row: " + ", ".join(f"{k} {v / p['rows']:.0f}" for k, v in big) + "\n")
    print("Paper estimate for 1 TB:\n")
    print("\n".join(estimate(p, [8, 32, 128])))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=4_000_000)
    ap.add_argument("--shards", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scaling", default="", help="comma-separated shard counts: dask runs only")
    ap.add_argument("--skip", default="", help="comma-separated runs to skip: local,jobs,dask,profile")
    args = ap.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # a long run's table appears as it is measured
    os.makedirs(OUT, exist_ok=True)
    folder = shards(args.rows, args.shards)
    skip = set(filter(None, args.skip.split(",")))
    runs = [("local", []), (f"--jobs {args.workers}", ["--jobs", str(args.workers)]),
            (f"dask, LocalCluster {args.workers} workers", ["--engine", "dask", "--jobs", str(args.workers)])]
    keys = ["local", "jobs", "dask"]
    results, findings = [], []
    for key, (name, extra) in zip(keys, runs):
        if key in skip:
            continue
        out_json = os.path.join(OUT, f"dask_bench_{key}.json")
        r = run_cli(folder, extra, out_json)
        with open(out_json, encoding="utf-8") as f:
            findings.append(json.load(f)["findings"])
        results.append((name, r))
        print(f"{name}: {r['wall']:.1f} s", file=sys.stderr)
    same = all(f == findings[0] for f in findings) if findings else True
    print(f"\n{args.rows:,} rows in {args.shards} CSV shards "
          f"({sum(os.path.getsize(os.path.join(folder, x)) for x in os.listdir(folder)) / MB:.0f} MB), "
          f"default rules, {os.cpu_count()} shared cores; findings identical across engines: {same} "
          f"({len(findings[0]) if findings else 0:,} findings)\n")
    print("| engine | wall s | rows/s | client peak RSS MB | peak RSS per worker MB |")
    print("|---|---:|---:|---:|---:|")
    for name, r in results:
        w = f"{r['worker_mb']:.0f}" if r["n_children"] else "-"
        print(f"| {name} | {r['wall']:.1f} | {args.rows / r['wall']:,.0f} | {r['client_mb']:.0f} | {w} |")
    if "profile" not in skip:
        profile(folder, args.workers)
    if args.scaling:
        print("\n| shards | dask wall s | client peak MB | peak RSS per worker MB |")
        print("|---:|---:|---:|---:|")
        for n in [int(x) for x in args.scaling.split(",")]:
            r = run_cli(shards(args.rows, n), ["--engine", "dask", "--jobs", str(args.workers)],
                        os.path.join(OUT, "dask_bench_scaling.json"))
            print(f"| {n} | {r['wall']:.1f} | {r['client_mb']:.0f} | {r['worker_mb']:.0f} |")
    if not same:
        print("\nFINDINGS DIFFER between engines", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
