"""Benchmark: `sopmine run` against a plain pm4py script doing the same job on the same log.

    .venv/bin/python benchmarks/run_vs_pm4py.py [--sizes 100000 1000000] [--repeat 3]
        [--rtf] [--rtf-repeat 2] [--only sopmine|pm4py] [--floor] [--pm4py-timeout 1200]
        [--work /tmp/sopmine-bench] [--json results.json]
    .venv/bin/python benchmarks/run_vs_pm4py.py --incremental 1000000   # see incremental.py

The job, on both sides: read the log, parse/format it, align every case against the SOP net
of its service, case durations, the directly-follows graph and the variants.

* sopmine: ``sopmine run LOG --sop data/sop --mapping M --out DIR --no-reports --closed``
  (ingest into a fresh warehouse, check: alignments per distinct variant, roles, segregation
  of duties, step times, the service promise in working days; cases.csv, deviations.csv,
  manifest.json), then ``pipeline.discover.dfg`` and ``pipeline.discover.variants`` on the
  warehouse (what ``sopmine discover`` writes as dfg.csv / variants.csv: ``run`` itself has no
  DFG without the reports). ``--closed``: pm4py aligns every case against the full net, so
  sopmine does too (no prefix alignment of open cases).
* pm4py: ``pandas.read_csv`` + ``pd.to_datetime`` + ``pm4py.format_dataframe`` (or
  ``pm4py.read_xes``), then per service (the frame split by ``layanan``, one PNML per
  service, exported from the very nets sopmine aligns against, outside the timing)
  ``pm4py.conformance_diagnostics_alignments``, ``pm4py.get_all_case_durations``,
  ``pm4py.discover_dfg``, ``pm4py.get_variants``, and a per-case CSV (fitness, duration).

* floor (``--floor``, CSV logs only): the least any Python + DuckDB pipeline does for the same
  log: ``import duckdb``, the CSV into a typed table, one ordered trace per case and the
  variant counts, the DFG, a per-case CSV. No validation, quarantine, de-duplication,
  pseudonyms, alignment, SOP or calendar. pm4py / floor is the highest ratio any sopmine
  could reach on this machine.

Each run is its own process (``os.wait4`` gives its peak RSS); the two sides alternate. The
sopmine child runs under the pipeline's own stopwatch (``sopmine --timings``) and prints the
per-stage breakdown. Generated logs (``pipeline.synth``, all Kepahiang services, a
year of arrivals, seeded, in chunks of 40,000 cases with their own seeds and case-id prefixes)
are written once as CSV into ``--work`` and reused.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/calendar.py would shadow the stdlib calendar: keep this folder off sys.path.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
REPO = HERE.parent
sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

PY = str(REPO / ".venv" / "bin" / "python") if (REPO / ".venv").exists() else sys.executable
SOP = REPO / "data" / "sop"
ROAD = REPO.parent / "shared" / "data" / "road_traffic_fines"
ROAD_LOG = ROAD / "Road_Traffic_Fine_Management_Process.xes.gz"
ROAD_NET = ROAD / "models" / "RoadFines_NoData.pnml"
XES_MAPPING = REPO / "tests" / "data" / "mappings" / "xes.yaml"
START, END = dt.date(2024, 3, 1), dt.date(2025, 2, 28)  # one version of every SOP in force
CHUNK_CASES = 40_000
MAPPING = """name: bench-canonical
columns: {case_id: case_id, activity: activity, timestamp: timestamp, resource: resource,
          role: role, layanan: layanan, unit: unit}
timezone: Asia/Jakarta
"""

# --- the two children -----------------------------------------------------------------------

#: sopmine: the ``sopmine run`` CLI in-process under the pipeline's own stopwatch (what
#: ``sopmine --timings`` prints), then DFG and variants from the warehouse. argv: stages.json,
#: out-dir ("-": no DFG), then the command's arguments. Each stage: [seconds, calls, peak MiB].
SOPMINE_CHILD = r'''
import sys, time, json
T0 = time.perf_counter()
sys._pm4py_welcome_shown = True
stages_file, out, cli_args = sys.argv[1], sys.argv[2], sys.argv[3:]
from pipeline.cli import main
from pipeline.stopwatch import Stopwatch, stage
T1 = time.perf_counter()
watch = Stopwatch()
with watch.running():
    main(cli_args)
    if out != "-":
        from pipeline import discover
        from pipeline.settings import Settings
        from pipeline.warehouse import open_warehouse
        s = Settings()
        with open_warehouse(out + "/warehouse.duckdb", memory_limit=s.duckdb_memory_limit,
                            threads=s.duckdb_threads) as wh:
            with stage("dfg"):
                d = discover.dfg(wh)
            with stage("variants"):
                v = discover.variants(wh)
        print(len(d), len(v))
spent = {"startup (imports)": [T1 - T0, 1, 0.0]}
spent.update({k: [lap.seconds, lap.calls, lap.peak_mib] for k, lap in watch.laps.items()})
spent["total in process"] = [time.perf_counter() - T0, 1, 0.0]
json.dump(spent, open(stages_file, "w"), indent=1)
'''

#: pm4py: argv: log, kind (csv|xes), nets.json {layanan or "*": pnml}, out.csv
PM4PY_CHILD = r'''
import sys, json, time
T0 = time.perf_counter()
import pandas as pd, pm4py
log, kind, nets_file, out = sys.argv[1:5]
spent = {}
def lap(label, t):
    spent[label] = time.perf_counter() - t
    return time.perf_counter()
t = time.perf_counter()
if kind == "csv":
    df = pd.read_csv(log, dtype={"case_id": str, "activity": str, "resource": str, "role": str,
                                 "layanan": str, "unit": str})
    t = lap("read_csv", t)
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    df = pm4py.format_dataframe(df, case_id="case_id", activity_key="activity",
                                timestamp_key="timestamp")
    t = lap("to_datetime + format_dataframe", t)
else:
    df = pm4py.read_xes(log)
    t = lap("read_xes", t)
nets = {k: pm4py.read_pnml(p) for k, p in json.load(open(nets_file)).items()}
fitness = {}
parts = [("*", df)] if "*" in nets else list(df.groupby("layanan", sort=True))
for name, part in parts:
    net, im, fm = nets[name]
    diag = pm4py.conformance_diagnostics_alignments(part, net, im, fm)
    cases = part["case:concept:name"].unique()  # pm4py keeps the order of first appearance
    fitness.update(zip(cases, (d["fitness"] for d in diag)))
t = lap("alignments", t)
durations = pm4py.get_all_case_durations(df)
t = lap("case durations", t)
dfg, starts, ends = pm4py.discover_dfg(df)
t = lap("discover_dfg", t)
variants = pm4py.get_variants(df)
t = lap("get_variants", t)
pd.DataFrame({"case_id": list(fitness), "fitness": list(fitness.values())}).to_csv(out,
                                                                                 index=False)
t = lap("write per-case csv", t)
spent["total in process"] = time.perf_counter() - T0
print(json.dumps({"spent": spent, "cases": len(fitness), "variants": len(variants),
                  "durations": len(durations), "dfg_edges": len(dfg)}))
'''


#: floor: the least any Python + DuckDB pipeline does for this job, and no more: import
#: duckdb, load the CSV into a table with typed columns (no validation, quarantine,
#: de-duplication or pseudonyms), one ordered trace per case and the variant counts, the DFG,
#: a per-case CSV (first, last, duration, events). No alignment, no SOP, no calendar. It
#: bounds the ratio any sopmine can reach on this machine. argv: log (CSV), warehouse file.
FLOOR_CHILD = r'''
import sys, time, json
T0 = time.perf_counter()
import duckdb
log, db = sys.argv[1:3]
spent = {"import duckdb": time.perf_counter() - T0}
con = duckdb.connect(db)
con.execute("SET TimeZone = 'UTC'")
def lap(label, sql):
    t = time.perf_counter()
    con.execute(sql)
    spent[label] = time.perf_counter() - t
lap("load", f"""CREATE TABLE events AS SELECT * FROM read_csv('{log}', header = true,
    columns = {{'case_id': 'VARCHAR', 'activity': 'VARCHAR', 'timestamp': 'TIMESTAMPTZ',
                'resource': 'VARCHAR', 'role': 'VARCHAR', 'layanan': 'VARCHAR',
                'unit': 'VARCHAR'}})""")
lap("traces and variants", """CREATE TEMP TABLE cases AS SELECT case_id,
    string_agg(activity, chr(31) ORDER BY timestamp) AS trace, min(timestamp) AS first_ts,
    max(timestamp) AS last_ts, count(*) AS n FROM events GROUP BY case_id;
    CREATE TEMP TABLE variants AS SELECT trace, count(*) AS n FROM cases GROUP BY trace""")
lap("dfg", """CREATE TEMP TABLE dfg AS SELECT prev, activity, count(*) AS n FROM (
    SELECT lag(activity) OVER (PARTITION BY case_id ORDER BY timestamp) AS prev, activity
    FROM events) GROUP BY ALL""")
lap("per-case csv", f"""COPY (SELECT case_id, first_ts, last_ts, last_ts - first_ts AS duration,
    n FROM cases ORDER BY case_id) TO '{db}.csv'""")
con.close()
spent["total in process"] = time.perf_counter() - T0
print(json.dumps({"spent": spent}))
'''


# --- running a child ------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def timed(cmd: list[str], *, timeout: float | None = None, rss_cap_mb: float | None = None,
          log: Path | None = None) -> dict:
    """Wall seconds, peak RSS (MB, from wait4: the largest child of the process tree) and the
    outcome of one child process; killed at ``timeout`` seconds or ``rss_cap_mb``."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with (open(log, "w") if log else contextlib.nullcontext(subprocess.DEVNULL)) as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=tempfile.gettempdir())
        killed, seen = None, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
                break
            elapsed = time.perf_counter() - start
            seen = max(seen, _rss_mb(proc.pid))
            if killed is None and timeout and elapsed > timeout:
                killed = f"killed after {timeout:.0f} s (time limit)"
            elif killed is None and rss_cap_mb and seen > rss_cap_mb:
                killed = f"killed at {seen:.0f} MB RSS (cap {rss_cap_mb:.0f} MB)"
            if killed:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            time.sleep(0.2)
    wall = time.perf_counter() - start
    ok = os.waitstatus_to_exitcode(status) == 0 and killed is None
    return {"wall": wall, "rss": usage.ru_maxrss / 1024, "ok": ok, "load": load,
            "note": killed or ("" if ok else f"exit {os.waitstatus_to_exitcode(status)}")}


# --- the logs -------------------------------------------------------------------------------


def generate_csv(path: Path, events: int, seed: int = 9, start: dt.date = START,
                 end: dt.date = END) -> int:
    """A seeded canonical CSV of about ``events`` events (whole cases), written in chunks."""
    from pipeline.sop import SopLibrary
    from pipeline.synth import generate

    library = SopLibrary.load(SOP)
    tmp = path.with_suffix(".part")
    written, chunk = 0, 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        while written < events:
            need = events - written
            cases = max(200, min(CHUNK_CASES, int(need / 6.3) + 50))
            ev = generate(library, seed=seed * 1000 + chunk, cases=cases, start=start,
                          end=end).events
            ev["case_id"] = f"G{chunk:03d}-" + ev["case_id"].astype(str)
            if len(ev) > need:  # whole cases only, drawn from every service (shuffled)
                sizes = ev.groupby("case_id", sort=False).size().sample(frac=1.0,
                                                                          random_state=chunk)
                keep = sizes.index[sizes.cumsum().to_numpy() <= need]
                ev = ev[ev["case_id"].isin(keep)] if len(keep) else ev.iloc[:0]
                if ev.empty:
                    break
            ev = ev.assign(timestamp=ev["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z"))
            ev.to_csv(fh, index=False, header=chunk == 0)
            written += len(ev)
            chunk += 1
    tmp.rename(path)
    return written


def export_nets(folder: Path) -> Path:
    """One PNML per service: the net sopmine aligns against (the version in force)."""
    import pm4py

    from pipeline import _pm4py
    from pipeline.sop import SopLibrary

    library = SopLibrary.load(SOP)
    nets = {}
    for layanan in library.layanan:
        model = library.in_force(layanan, START + (END - START) / 2)
        target = folder / f"{layanan}.pnml"
        pm4py.write_pnml(*_pm4py.to_pm4py(model.net), str(target))
        nets[layanan] = str(target)
    index = folder / "nets.json"
    index.write_text(json.dumps(nets))
    return index


def prepare(work: Path, sizes: list[int]) -> dict[str, dict]:
    """The logs and nets, made once in a child process (see :func:`setup`)."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "mapping.yaml").write_text(MAPPING)
    nets = work / "nets.json"
    todo = [n for n in sizes if not (work / f"synth-{n}.json").exists()]
    if todo or not nets.exists():
        subprocess.run([PY, __file__, "--setup", "--work", str(work), "--sizes",
                        *map(str, todo)], check=True)
    logs = {}
    for n in sizes:
        path = work / f"synth-{n}.csv"
        meta = work / f"synth-{n}.json"
        logs[f"synth {n:,}"] = {
            "log": path, "kind": "csv", "nets": nets, "events": json.loads(meta.read_text())[
                "events"], "sopmine": [str(path), "--sop", str(SOP), "--mapping",
                                       str(work / "mapping.yaml")]}
    return logs


def export_rtf_net(work: Path) -> None:
    """The net sopmine reads from RoadFines_NoData.pnml (its final marking inferred; the file
    has none, and pm4py refuses it as it is), written back as PNML for the pm4py script."""
    import pm4py

    from pipeline import _pm4py
    from pipeline.sop import load_model

    target = work / "rtf.pnml"
    pm4py.write_pnml(*_pm4py.to_pm4py(load_model(ROAD_NET).net), str(target))
    (work / "rtf-nets.json").write_text(json.dumps({"*": str(target)}))


def rtf(work: Path) -> dict:
    nets = work / "rtf-nets.json"
    if not nets.exists():
        subprocess.run([PY, __file__, "--setup", "--rtf", "--work", str(work), "--sizes"],
                       check=True)
    return {"log": ROAD_LOG, "kind": "xes", "nets": nets, "events": 561_470,
            "sopmine": [str(ROAD_LOG), "--sop", str(ROAD_NET), "--mapping", str(XES_MAPPING)]}


def setup(work: Path, sizes: list[int], rtf_too: bool = False) -> None:
    """Runs in its own process: the parent stays small, since the peak RSS that wait4 reports
    for a child starts from the parent's own at the time of exec."""
    sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]
    if not (work / "nets.json").exists():
        export_nets(work)
    if rtf_too:
        export_rtf_net(work)
    for n in sizes:
        path = work / f"synth-{n}.csv"
        t = time.perf_counter()
        written = generate_csv(path, n)
        (work / f"synth-{n}.json").write_text(json.dumps({"events": written}))
        print(f"generated {written:,} events in {time.perf_counter() - t:.0f} s: {path} "
              f"({path.stat().st_size / 1e6:.0f} MB)", flush=True)


# --- the benchmark --------------------------------------------------------------------------


def run_sopmine(spec: dict, work: Path, tag: str) -> dict:
    out = work / f"out-{tag}"
    stages = work / f"stages-{tag}.json"
    subprocess.run(["rm", "-rf", str(out)], check=True)
    r = timed([PY, "-c", SOPMINE_CHILD, str(stages), str(out), "run", *spec["sopmine"],
               "--out", str(out), "--closed", "--no-reports"], log=work / f"sopmine-{tag}.log")
    r["stages"] = json.loads(stages.read_text()) if r["ok"] and stages.exists() else {}
    subprocess.run(["rm", "-rf", str(out)], check=True)
    return r


def run_pm4py(spec: dict, work: Path, tag: str, timeout: float | None,
              rss_cap: float | None) -> dict:
    logfile = work / f"pm4py-{tag}.log"
    r = timed([PY, "-c", PM4PY_CHILD, str(spec["log"]), spec["kind"], str(spec["nets"]),
               str(work / f"pm4py-{tag}.csv")], timeout=timeout, rss_cap_mb=rss_cap, log=logfile)
    r["stages"] = _spent(logfile) if r["ok"] else {}
    return r


def run_floor(spec: dict, work: Path, tag: str) -> dict:
    db = work / f"floor-{tag}.duckdb"
    files = (db, Path(f"{db}.wal"), Path(f"{db}.csv"))
    for old in files:
        old.unlink(missing_ok=True)
    logfile = work / f"floor-{tag}.log"
    r = timed([PY, "-c", FLOOR_CHILD, str(spec["log"]), str(db)], log=logfile)
    r["stages"] = _spent(logfile) if r["ok"] else {}
    for old in files:
        old.unlink(missing_ok=True)
    return r


def _spent(logfile: Path) -> dict:
    """The stage seconds a pm4py or floor child prints as its last line (JSON), or {}."""
    with contextlib.suppress(ValueError, IndexError, KeyError):
        return json.loads(logfile.read_text().strip().splitlines()[-1])["spent"]
    return {}


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in meminfo
                   if line.startswith("MemTotal"))) / 1024 / 1024
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}; load average at start "
            f"{os.getloadavg()[0]:.2f}")


def summary(name: str, events: int, results: dict[str, list[dict]]) -> dict:
    row: dict = {"log": name, "events": events}
    for side, runs in results.items():
        good = [r for r in runs if r["ok"]]
        row[side] = {
            "runs": [round(r["wall"], 1) for r in runs],
            "load": [round(r["load"], 2) for r in runs],
            "median": statistics.median(r["wall"] for r in good) if good else None,
            "rss": max(r["rss"] for r in runs) if runs else None,
            "notes": sorted({r["note"] for r in runs if r["note"]}),
            "stages": _median_stages([r["stages"] for r in good]),
            # the process's peak RSS (MiB) when each stage last ended: where the peak is reached
            "rss_after": {k: max(r["stages"][k][2] for r in good if k in r["stages"])
                          for k in _median_stages([r["stages"] for r in good])
                          if all(isinstance(r["stages"].get(k), list)
                                 and len(r["stages"][k]) > 2 for r in good)},
        }
    s, p = row.get("sopmine", {}).get("median"), row.get("pm4py", {}).get("median")
    f = row.get("floor", {}).get("median")
    row["ratio"] = p / s if s and p else None
    row["ceiling"] = p / f if f and p else None  # the ratio of the floor: no sopmine beats it
    return row


def _median_stages(all_stages: list[dict]) -> dict:
    keys = list(dict.fromkeys(k for st in all_stages for k in st))
    out = {}
    for k in keys:
        vals = [st[k][0] if isinstance(st[k], list) else st[k] for st in all_stages if k in st]
        out[k] = statistics.median(vals)
    return out


def show(row: dict) -> None:
    print(f"\n== {row['log']} ({row['events']:,} events)")
    for side in ("sopmine", "pm4py", "floor"):
        if side not in row:
            continue
        r = row[side]
        med = f"{r['median']:.1f} s" if r["median"] is not None else "-"
        print(f"{side:<8} median {med:>9}  peak RSS {r['rss']:>7.0f} MB  runs "
              f"{', '.join(str(w) for w in r['runs'])} {'; '.join(r['notes'])}")
    if row.get("ratio"):
        print(f"ratio pm4py/sopmine: {row['ratio']:.1f}x")
    if row.get("ceiling"):
        print(f"ratio pm4py/floor:   {row['ceiling']:.1f}x (the most any Python + DuckDB "
              "pipeline reaches here)")
    for side in ("sopmine", "pm4py", "floor"):
        if side in row and row[side]["stages"]:
            print(f"  {side} stages (median s):")
            stages = row[side]["stages"]  # in the order the stages began
            rss = row[side].get("rss_after", {})
            for k, v in stages.items():
                indent = "    " + "  " * k.count("/")
                peak = f"  peak so far {rss[k]:7.0f} MiB" if rss.get(k) else ""
                print(f"{indent}{k.rsplit('/', 1)[-1]:<{60 - len(indent)}} {v:8.2f}" + peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rtf", action="store_true", help="also the Road Traffic Fines log")
    parser.add_argument("--rtf-repeat", type=int, default=2)
    parser.add_argument("--only", choices=["sopmine", "pm4py"])
    parser.add_argument("--floor", action="store_true",
                        help="also the floor: the bare DuckDB job (CSV logs), see FLOOR_CHILD")
    parser.add_argument("--pm4py-timeout", type=float, default=1200.0)
    parser.add_argument("--pm4py-rss-cap", type=float, default=16_000.0,
                        help="MB: kill the pm4py script above this (protects the machine)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) /
                        "sopmine-bench")
    parser.add_argument("--json", type=Path, help="append the result rows to this file")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup(args.work, args.sizes, args.rtf)
        return
    print(machine(), flush=True)
    specs = prepare(args.work, args.sizes)
    if args.rtf:
        specs["Road Traffic Fines"] = rtf(args.work)
    sides = [args.only] if args.only else ["sopmine", "pm4py"]
    if args.floor:
        sides.append("floor")
    rows = []
    for name, spec in specs.items():
        repeat = args.rtf_repeat if name == "Road Traffic Fines" else args.repeat
        mine = [s for s in sides if s != "floor" or spec["kind"] == "csv"]
        results: dict[str, list[dict]] = {s: [] for s in mine}
        for i in range(repeat):
            for side in mine:
                tag = f"{name.replace(' ', '_').replace(',', '')}-{i}"
                r = (run_sopmine(spec, args.work, tag) if side == "sopmine" else
                     run_floor(spec, args.work, tag) if side == "floor" else
                     run_pm4py(spec, args.work, tag, args.pm4py_timeout, args.pm4py_rss_cap))
                print(f"  {name} {side} run {i + 1}: {r['wall']:.1f} s, {r['rss']:.0f} MB, "
                      f"load before {r['load']:.2f} {r['note']}", flush=True)
                results[side].append(r)
        row = summary(name, spec["events"], results)
        show(row)
        rows.append(row)
        if args.json:
            old = json.loads(args.json.read_text()) if args.json.exists() else []
            args.json.write_text(json.dumps([*old, row], indent=1))


if __name__ == "__main__":
    main()
