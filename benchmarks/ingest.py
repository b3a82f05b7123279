"""Benchmark: `sopmine ingest` of a 1,000,000-event CSV beside pandas.read_csv + pm4py.format_dataframe.

Generates a seeded ';'-separated counter-application export with day-first timestamps (as
Kepahiang's exports are), then runs each path in its own process, alternating, several times,
and prints the median wall time and the peak RSS of each (from os.wait4).

    .venv/bin/python benchmarks/ingest.py [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STEPS = ["PENGAJUAN", "VERIFIKASI_FO", "ENTRI_SIAK", "VALIDASI_KASI", "TTE_KADIS", "PENYERAHAN"]
MAPPING = """columns: {case_id: NO_PERMOHONAN, activity: TAHAPAN, timestamp: WAKTU_PROSES,
          resource: NIP_PETUGAS, unit: KECAMATAN}
constants: {layanan: kk-baru}
"""
PANDAS_PM4PY = """
import sys, pandas as pd, pm4py
df = pd.read_csv(sys.argv[1], sep=';', dtype=str)
df['WAKTU_PROSES'] = pd.to_datetime(df['WAKTU_PROSES'], format='%d/%m/%Y %H:%M')
df = pm4py.format_dataframe(df, case_id='NO_PERMOHONAN', activity_key='TAHAPAN',
                            timestamp_key='WAKTU_PROSES')
print(len(df))
"""


def generate(path: Path, events: int, seed: int = 2025) -> None:
    rng = random.Random(seed)
    kec = ["Kepahiang", "Ujan Mas", "Merigi", "Kabawetan", "Tebat Karai", "Bermani Ilir",
           "Seberang Musi", "Muara Kemumu"]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("NO_PERMOHONAN;TAHAPAN;WAKTU_PROSES;NIP_PETUGAS;KECAMATAN\n")
        written, case = 0, 0
        while written < events:
            case += 1
            minute = rng.randrange(0, 365 * 24 * 60)
            seq = list(STEPS)
            if rng.random() < 0.1:
                seq.remove("VALIDASI_KASI")
            if rng.random() < 0.1:
                seq[3:3] = ["VALIDASI_KASI", "ENTRI_SIAK"]
            for step in seq[: events - written]:
                minute += rng.randrange(5, 600)
                day, rest = divmod(minute, 24 * 60)
                d = time.gmtime(1735689600 + day * 86400)
                fh.write(f"KK/{case:08d};{step};{d.tm_mday:02d}/{d.tm_mon:02d}/{d.tm_year} "
                         f"{rest // 60:02d}:{rest % 60:02d};1987{rng.randrange(10**6):06d};"
                         f"{kec[case % 8]}\n")
                written += 1


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{cmd[:3]} failed with status {status}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        log, mapping = folder / "loket.csv", folder / "mapping.yaml"
        generate(log, args.events)
        mapping.write_text(MAPPING)
        print(f"generated {args.events:,} events ({log.stat().st_size / 1e6:.0f} MB) in {log}")
        results: dict[str, list[tuple[float, float]]] = {"sopmine ingest": [], "pandas+pm4py": []}
        for i in range(args.repeat):
            db = folder / f"w{i}.duckdb"
            results["sopmine ingest"].append(timed(
                [sys.executable, "-m", "pipeline", "--db", str(db), "ingest", str(log),
                 "--mapping", str(mapping)]))
            results["pandas+pm4py"].append(timed([sys.executable, "-c", PANDAS_PM4PY, str(log)]))
    print(f"{'path':<16} {'median wall s':>14} {'peak RSS MB':>12}   runs")
    for name, runs in results.items():
        walls = [w for w, _ in runs]
        print(f"{name:<16} {statistics.median(walls):>14.2f} {max(r for _, r in runs):>12.0f}   "
              + ", ".join(f"{w:.2f}" for w in walls))
    ratio = statistics.median(w for w, _ in results["pandas+pm4py"]) / statistics.median(
        w for w, _ in results["sopmine ingest"])
    print(f"sopmine ingest is {ratio:.2f}x the speed of pandas+pm4py "
          "(it also parses, checks, quarantines, deduplicates and stores)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
