"""Benchmark: `sopmine check` after one more month is loaded, against a full check.

    .venv/bin/python benchmarks/incremental.py [--events 1000000] [--repeat 2]
        [--work /tmp/sopmine-bench]

A seeded log of 13 months of arrivals (all Kepahiang services, ``pipeline.synth``) is cut by
event time into twelve months (``base.csv``, about ``--events`` events) and the thirteenth
(``month.csv``: the events from its first day on, about 8% more). Then, each in its own process:

1. warehouse A: ``sopmine ingest base.csv``; ``sopmine check`` (cold: the full check of the
   twelve months, every alignment computed);
2. warehouse A: ``sopmine ingest month.csv``; ``sopmine check`` (the incremental check: what
   the first check stored is there to reuse);
3. warehouse B: ``sopmine ingest base.csv month.csv``; ``sopmine check`` (cold: the full check
   of the same thirteen months).

The target is (2) at most 15% of (3). Beside them, on warehouse A after (2): the fixed cost
of any check process (its imports, settings, SOP library, opening the warehouse: no case
checked) and of a bare DuckDB process (Python, ``import duckdb``, one query), each as a share
of (3): what no incremental check can go below. ``check`` runs as for a monthly report (no ``--closed``:
open cases are aligned as prefixes). The check processes print a per-stage breakdown (timers
wrapped around the pipeline's functions, see run_vs_pm4py.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

_spec = importlib.util.spec_from_file_location("run_vs_pm4py", HERE / "run_vs_pm4py.py")
bench = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench)  # type: ignore[union-attr]

START, END = dt.date(2024, 3, 1), dt.date(2025, 3, 31)
CUT = "2025-03-01"  # local date: the new month's export holds every event from it on


def setup(work: Path, events: int) -> None:
    """Runs in its own process (keeps the parent small for wait4's peak RSS)."""
    import pandas as pd

    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    whole = work / f"inc-{events}-all.csv"
    bench.generate_csv(whole, int(events * 13 / 12), seed=13, start=START, end=END)
    df = pd.read_csv(whole, dtype=str)
    local = pd.to_datetime(df["timestamp"], format="ISO8601", utc=True).dt.tz_convert(
        "Asia/Jakarta")
    cut = pd.Timestamp(CUT, tz="Asia/Jakarta")
    base, month = df[local < cut], df[local >= cut]
    base.to_csv(work / f"inc-{events}-base.csv", index=False)
    month.to_csv(work / f"inc-{events}-month.csv", index=False)
    whole.unlink()
    (work / f"inc-{events}.json").write_text(json.dumps({"base": len(base),
                                                         "month": len(month)}))
    print(f"base {len(base):,} events, month {len(month):,} events "
          f"({len(month) / len(base):.1%} more)", flush=True)


#: What any ``sopmine check`` process costs before it checks a case: Python, the check's
#: imports (pandas, numpy, pyarrow, DuckDB), the settings, the SOP library, opening the
#: warehouse and reading its runs. argv: warehouse, SOP folder.
FIXED_CHILD = r'''
import sys
from pipeline import cli
from pipeline.conform import check
from pipeline.settings import Settings
from pipeline.sop import SopLibrary
from pipeline.warehouse import open_warehouse
settings = Settings()
library = SopLibrary.load(sys.argv[2])
with open_warehouse(sys.argv[1]) as wh:
    wh.rows("SELECT run_id, parameters FROM check_runs")
'''

#: The same with DuckDB alone: Python, ``import duckdb``, open the file, one query.
BARE_CHILD = r'''
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SELECT run_id, parameters FROM check_runs").fetchall()
con.close()
'''


def sopmine(work: Path, tag: str, args: list[str]) -> dict:
    """One timed ``sopmine`` CLI process with the stage timers."""
    stages = work / f"inc-stages-{tag}.json"
    r = bench.timed([bench.PY, "-c", bench.SOPMINE_CHILD, str(stages), "-", *args],
                    log=work / f"inc-{tag}.log")
    if not r["ok"]:
        raise SystemExit(f"sopmine {' '.join(args[:3])} failed: see {work}/inc-{tag}.log")
    r["stages"] = json.loads(stages.read_text())
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) /
                        "sopmine-bench")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    if args.setup:
        setup(work, args.events)
        return
    print(bench.machine(), flush=True)
    (work / "mapping.yaml").write_text(bench.MAPPING)
    meta = work / f"inc-{args.events}.json"
    if not meta.exists():
        subprocess.run([bench.PY, __file__, "--setup", "--events", str(args.events), "--work",
                        str(work)], check=True)
    sizes = json.loads(meta.read_text())
    base, month = (str(work / f"inc-{args.events}-{p}.csv") for p in ("base", "month"))
    mapping = ["--mapping", str(work / "mapping.yaml")]
    check = ["check", "--sop", str(bench.SOP)]
    runs: dict[str, list[dict]] = {"full check, 12 months": [], "ingest month": [],
                                   "incremental check, +1 month": [],
                                   "full check, 13 months": [],
                                   "fixed cost of a check process": [],
                                   "bare DuckDB process": []}
    for i in range(args.repeat):
        a, b = work / f"inc-a{i}.duckdb", work / f"inc-b{i}.duckdb"
        for db in (a, b):
            for f in (db, Path(f"{db}.wal")):
                f.unlink(missing_ok=True)
        sopmine(work, f"a-ingest-{i}", ["--db", str(a), "ingest", base, *mapping])
        runs["full check, 12 months"].append(sopmine(work, f"a-check-{i}",
                                                     ["--db", str(a), *check]))
        runs["ingest month"].append(sopmine(work, f"a-month-{i}",
                                            ["--db", str(a), "ingest", month, *mapping]))
        runs["incremental check, +1 month"].append(sopmine(work, f"a-recheck-{i}",
                                                           ["--db", str(a), *check]))
        for name, child in (("fixed cost of a check process", FIXED_CHILD),
                            ("bare DuckDB process", BARE_CHILD)):
            runs[name].append(bench.timed([bench.PY, "-c", child, str(a), str(bench.SOP)]))
        sopmine(work, f"b-ingest-{i}", ["--db", str(b), "ingest", base, month, *mapping])
        runs["full check, 13 months"].append(sopmine(work, f"b-check-{i}",
                                                     ["--db", str(b), *check]))
        for name, rs in runs.items():
            print(f"  run {i + 1} {name}: {rs[-1]['wall']:.1f} s, {rs[-1]['rss']:.0f} MB, "
                  f"load before {rs[-1]['load']:.2f}", flush=True)
        for db in (a, b):
            db.unlink(missing_ok=True)
    print(f"\nbase {sizes['base']:,} events + month {sizes['month']:,} events "
          f"({sizes['month'] / sizes['base']:.1%})")
    med = {k: statistics.median(r["wall"] for r in v) for k, v in runs.items()}
    for name, rs in runs.items():
        print(f"{name:<30} median {med[name]:7.1f} s  peak RSS "
              f"{max(r['rss'] for r in rs):6.0f} MB  runs "
              + ", ".join(f"{r['wall']:.1f}" for r in rs))
    share = med["incremental check, +1 month"] / med["full check, 13 months"]
    print(f"incremental check / full check of the same 13 months: {share:.0%} (target <= 15%)")
    for name in ("fixed cost of a check process", "bare DuckDB process"):
        print(f"{name} / full check: {med[name] / med['full check, 13 months']:.0%}")
    for name in ("full check, 13 months", "incremental check, +1 month"):
        if not all(r.get("stages") for r in runs[name]):
            continue
        stages = bench._median_stages([r["stages"] for r in runs[name]])
        print(f"  {name} stages (median s):")
        for k in sorted(stages, key=lambda k: (not k.startswith("startup"),
                                               not k.startswith("check/"), k)):
            print(f"    {k.removeprefix('check/'):<58} {stages[k]:8.2f}")
    (work / f"inc-{args.events}-results.json").write_text(json.dumps(
        {"sizes": sizes, "runs": runs, "median": med, "share": share}, indent=1))


if __name__ == "__main__":
    main()
