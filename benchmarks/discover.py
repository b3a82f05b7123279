"""Time DFG, variants and performance DFG over 1,000,000 events: sopmine against pm4py.

    .venv/bin/python benchmarks/discover.py [--events 1000000] [--seed 6]

The log is generated (seeded): a KK-baru-like service over 12 units with rework loops
(``periksa -> ajukan``, ``validasi -> entri``), optional steps, skipped validation, order swaps
and rare extra activities, working-hour timestamps with lognormal gaps and equal timestamps.
It is loaded straight into a temporary warehouse; pm4py gets the same events as a DataFrame.
Prints one line per measure; not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/calendar.py would shadow the stdlib calendar: keep this folder off sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline import _pm4py  # noqa: E402
from pipeline.calendar import calendar_from_settings  # noqa: E402
from pipeline.discover import dfg, performance_dfg, variants  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.warehouse import open_warehouse  # noqa: E402

UNITS = [f"kecamatan-{i:02d}" for i in range(1, 13)]
OPTIONAL = ["cek-lapangan", "konsultasi", "minta-dokumen", "verifikasi-nik", "cetak-ulang",
            "telepon-pemohon", "catat-arsip", "scan-berkas"]
EXTRA = ["batal-sistem", "login-ulang", "edit-manual", "eskalasi", "koreksi-data"]


def trace(rng: np.random.Generator) -> list[str]:
    steps = ["ajukan", "periksa"]
    while rng.random() < 0.15 and steps.count("ajukan") < 4:
        steps += ["ajukan", "periksa"]
    if rng.random() < 0.06:
        return [*steps, "tolak"]
    steps += [str(a) for a in rng.choice(OPTIONAL, size=rng.poisson(0.6))]
    steps.append("entri")
    if rng.random() > 0.05:
        steps.append("validasi")
        while rng.random() < 0.1 and steps.count("validasi") < 4:
            steps += ["entri", "validasi"]
    if rng.random() < 0.03:
        steps.insert(int(rng.integers(1, len(steps))), str(rng.choice(EXTRA)))
    tail = ["tte", "cetak", "serahkan"]
    if rng.random() < 0.04:
        tail = ["cetak", "tte", "serahkan"]
    return steps + tail


def generate(n_events: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cases: list[str] = []
    acts: list[str] = []
    sizes: list[int] = []
    units: list[str] = []
    k = 0
    while len(acts) < n_events:
        t = trace(rng)[: n_events - len(acts)]
        acts += t
        sizes.append(len(t))
        cases.append(f"KK-{k:07d}")
        units.append(UNITS[int(rng.integers(len(UNITS)))])
        k += 1
    size = np.array(sizes)
    start = np.datetime64("2024-01-01T01:00") + rng.integers(0, 365 * 24 * 60, len(size)) \
        .astype("timedelta64[m]")
    gaps = np.round(rng.lognormal(4.0, 1.6, len(acts))).astype("int64")  # minutes
    gaps[rng.random(len(acts)) < 0.02] = 0  # equal timestamps
    first = np.r_[0, np.cumsum(size)[:-1]]
    gaps[first] = 0
    offset = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], size)
    stamps = np.repeat(start, size) + offset.astype("timedelta64[m]")
    return pd.DataFrame({
        "case_id": np.repeat(np.array(cases, dtype=object), size),
        "activity": acts,
        "timestamp": pd.DatetimeIndex(stamps).tz_localize("UTC"),
        "unit": np.repeat(np.array(units, dtype=object), size),
    })


def load(wh, events: pd.DataFrame) -> None:
    wh.register("gen", events.assign(source_row=np.arange(len(events))))
    wh.execute("""INSERT INTO events (event_key, load_id, source_row, case_id, activity,
                  activity_raw, timestamp, layanan, unit)
                  SELECT source_row::UHUGEINT, 1, source_row, case_id, activity, activity,
                         timestamp, 'kk-baru', unit FROM gen""")
    wh.unregister("gen")


def timed(label: str, fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    seconds = time.perf_counter() - t
    print(f"{label:<48} {seconds:7.2f} s")
    return out, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    events = generate(args.events, args.seed)
    print(f"{len(events):,} events, {events['case_id'].nunique():,} cases, "
          f"{events['activity'].nunique()} activities")
    cal = calendar_from_settings(Settings())
    with tempfile.TemporaryDirectory() as tmp, open_warehouse(Path(tmp) / "b.duckdb") as wh:
        load(wh, events)
        timed("sopmine performance dfg, first call (cold cache)", performance_dfg, wh, cal)
        ours, a = timed("sopmine dfg (DuckDB)", dfg, wh)
        found, b = timed("sopmine variants (DuckDB)", variants, wh)
        _, c = timed("sopmine performance dfg (DuckDB + working time)", performance_dfg, wh, cal)
        print(f"{'sopmine total':<48} {a + b + c:7.2f} s   ({len(found):,} variants)")
        frame, d = timed("pm4py format_dataframe", _pm4py.pm4py_frame, events)
        import pm4py

        with _pm4py._quiet():
            (theirs, _, _), e = timed("pm4py.discover_dfg", pm4py.discover_dfg, frame)
            _, f = timed("pm4py.get_variants", pm4py.get_variants, frame)
            _, g = timed("pm4py.discover_performance_dfg", pm4py.discover_performance_dfg, frame)
        pairs = zip(ours["source"], ours["target"], strict=True)
        same = dict(zip(pairs, ours["count"], strict=True)) == dict(theirs)
        print(f"{'pm4py total (without formatting)':<48} {e + f + g:7.2f} s")
        print(f"same directly-follows counts as pm4py: {same}")
        print(f"{'pm4py total (with formatting)':<48} {d + e + f + g:7.2f} s")
    print(f"run at {dt.datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
