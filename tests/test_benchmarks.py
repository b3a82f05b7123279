"""The benchmark scripts' reference processes (issue 9): the floor of the whole job and the
fixed cost of a monthly check. Their figures bound what sopmine can reach, so they must do
the work they claim, on a real generated log and a real warehouse."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from pipeline.warehouse import open_warehouse

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_floor_reads_every_event_and_writes_one_row_per_case(tmp_path: Path):
    # the floor the 10x target is judged against: it must load the whole log and answer for
    # every case, or its time would flatter it
    bench = _module("run_vs_pm4py")
    log = tmp_path / "log.csv"
    events = bench.generate_csv(log, 3_000)
    with log.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == events
    db = tmp_path / "floor.duckdb"
    done = subprocess.run([sys.executable, "-c", bench.FLOOR_CHILD, str(log), str(db)],
                          capture_output=True, text=True, check=True)
    spent = json.loads(done.stdout.strip().splitlines()[-1])["spent"]
    assert list(spent) == ["import duckdb", "load", "traces and variants", "dfg",
                           "per-case csv", "total in process"]
    with Path(f"{db}.csv").open(encoding="utf-8") as fh:
        per_case = list(csv.DictReader(fh))
    assert sorted(r["case_id"] for r in per_case) == sorted({r["case_id"] for r in rows})
    assert sum(int(r["n"]) for r in per_case) == events
    with open_warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM events") == events


def test_run_floor_cleans_up_and_reports_its_stages(tmp_path: Path):
    bench = _module("run_vs_pm4py")
    log = tmp_path / "log.csv"
    bench.generate_csv(log, 1_000)
    result = bench.run_floor({"log": log}, tmp_path, "t")
    assert result["ok"], result["note"]
    assert result["stages"]["load"] > 0
    assert not list(tmp_path.glob("floor-t.duckdb*"))


def test_fixed_cost_processes_open_a_sopmine_warehouse(tmp_path: Path):
    # the monthly check's fixed cost: the check's imports, the SOP library, the warehouse
    incremental = _module("incremental")
    db = tmp_path / "warehouse.duckdb"
    open_warehouse(db).close()
    sop = Path(__file__).resolve().parents[1] / "data" / "sop"
    for child in (incremental.FIXED_CHILD, incremental.BARE_CHILD):
        done = subprocess.run([sys.executable, "-c", child, str(db), str(sop)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
