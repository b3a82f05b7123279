"""Accuracy of the conformance check on generated logs with known injected deviations.

``pipeline.synth.generate`` plays every SOP of ``data/sop`` with a seed and injects deviations
of every code, with a ground truth (one row per injected deviation: case_id, jenis, langkah).
The generated events go through the real ingest into a fresh warehouse, ``check`` runs, and its
deviations are matched with the truth on (case_id, jenis, langkah); an empty langkah in the
truth matches any step. Printed: precision and recall per code and per SOP, and the clean
cases (no injected deviation) that did not come out with fitness 1 and no row.

    .venv/bin/python benchmarks/accuracy.py [--seed 7] [--cases 3000] [--sop data/sop]
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# benchmarks/calendar.py would shadow the standard library's calendar module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pandas as pd  # noqa: E402

from pipeline.conform import CODE_NAMES, check  # noqa: E402
from pipeline.ingest import ingest_files  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.sop import SopLibrary  # noqa: E402
from pipeline.warehouse import open_warehouse  # noqa: E402

MAPPING = """name: synth
columns: {case_id: case_id, activity: activity, timestamp: timestamp, resource: resource,
          role: role, layanan: layanan, unit: unit}
timezone: Asia/Jakarta
"""


@dataclass
class Accuracy:
    per_code: pd.DataFrame      # jenis, truth, found, matched, precision, recall
    per_sop: pd.DataFrame       # layanan, jenis, truth, found, matched, precision, recall
    clean_cases: int
    clean_not_clean: list[str]  # clean cases with fitness < 1 or a deviation row
    seconds: dict[str, float]


def _match(truth: pd.DataFrame, found: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per truth and found row, whether it has a partner (multiset matching per case/code)."""
    matched_truth = [False] * len(truth)
    matched_found = [False] * len(found)
    pool: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for k, (case, jenis, langkah) in enumerate(zip(found["case_id"], found["jenis"],
                                                   found["langkah"].fillna(""), strict=True)):
        pool.setdefault((str(case), str(jenis)), []).append((k, str(langkah)))
    # exact steps first, then the truth rows that name no step
    order = sorted(range(len(truth)), key=lambda i: str(truth["langkah"].iloc[i] or "") == "")
    for i in order:
        case, jenis, langkah = (str(truth["case_id"].iloc[i]), str(truth["jenis"].iloc[i]),
                                str(truth["langkah"].iloc[i] or ""))
        candidates = pool.get((case, jenis), [])
        for j, (k, step) in enumerate(candidates):
            if not langkah or step == langkah:
                matched_truth[i] = True
                matched_found[k] = True
                del candidates[j]
                break
    return pd.DataFrame({"truth": matched_truth}), pd.DataFrame({"found": matched_found})


def _table(truth: pd.DataFrame, found: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    t = truth.groupby(keys).agg(truth=("matched", "size"), matched=("matched", "sum"))
    f = found.groupby(keys).agg(found=("matched", "size"), correct=("matched", "sum"))
    table = t.join(f, how="outer").fillna(0).astype(int).reset_index()
    table["precision"] = table["correct"] / table["found"].where(table["found"] > 0)
    table["recall"] = table["matched"] / table["truth"].where(table["truth"] > 0)
    return table


def evaluate(*, seed: int = 7, cases: int = 3000, sop: Path = REPO / "data" / "sop",
             start: dt.date = dt.date(2025, 1, 2), end: dt.date = dt.date(2025, 12, 31),
             workdir: Path | None = None) -> Accuracy:
    from pipeline.synth import generate

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    library = SopLibrary.load(sop)
    made = generate(library, seed=seed, cases=cases, start=start, end=end)
    seconds["generate"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(workdir or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        events = made.events.copy()
        for column in ("resource", "role", "layanan", "unit"):
            if column not in events:
                events[column] = None
        events["timestamp"] = pd.DatetimeIndex(events["timestamp"]).strftime(
            "%Y-%m-%dT%H:%M:%S.%f%z")
        log = folder / "synth.csv"
        events[["case_id", "activity", "timestamp", "resource", "role", "layanan",
                 "unit"]].to_csv(log, index=False)
        mapping = folder / "synth.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        db = folder / "accuracy.duckdb"
        db.unlink(missing_ok=True)
        settings = Settings(db=str(db))
        with open_warehouse(db) as wh:
            t = time.perf_counter()
            ingest_files(wh, [log], mapping, settings)
            seconds["ingest"] = time.perf_counter() - t
            t = time.perf_counter()
            result = check(wh, library, settings)
            seconds["check"] = time.perf_counter() - t
            found = wh.df("SELECT case_id, jenis, coalesce(langkah, '') AS langkah "
                          "FROM deviations WHERE run_id = ? ORDER BY case_id, urutan",
                          [result.run_id])
            case_rows = wh.df("SELECT case_id, layanan, fitness FROM case_results "
                              "WHERE run_id = ?", [result.run_id])
    truth = made.truth[["case_id", "jenis", "langkah"]].copy()
    truth["case_id"] = truth["case_id"].astype(str)
    truth["langkah"] = truth["langkah"].fillna("").astype(str)
    found["case_id"] = found["case_id"].astype(str)
    matched_truth, matched_found = _match(truth, found)
    layanan = dict(zip(case_rows["case_id"].astype(str), case_rows["layanan"], strict=True))
    truth = truth.assign(matched=matched_truth["truth"].to_numpy(),
                         layanan=truth["case_id"].map(layanan))
    found = found.assign(matched=matched_found["found"].to_numpy(),
                         layanan=found["case_id"].map(layanan))
    dirty = set(truth["case_id"])
    all_cases = set(case_rows["case_id"].astype(str))
    clean = all_cases - dirty
    fitness = dict(zip(case_rows["case_id"].astype(str), case_rows["fitness"], strict=True))
    with_rows = set(found["case_id"])
    not_clean = sorted(c for c in clean if c in with_rows or fitness.get(c) != 1.0)
    seconds["total"] = time.perf_counter() - started
    return Accuracy(_table(truth, found, ["jenis"]), _table(truth, found, ["layanan", "jenis"]),
                    len(clean), not_clean, seconds)


def _print(acc: Accuracy) -> None:
    table = acc.per_code.set_index("jenis").reindex(CODE_NAMES).fillna(0)
    print(f"{'jenis':<24}{'truth':>7}{'found':>7}{'precision':>11}{'recall':>8}")
    for jenis, row in table.iterrows():
        precision = "-" if not row["found"] else f"{row['precision']:.4f}"
        recall = "-" if not row["truth"] else f"{row['recall']:.4f}"
        print(f"{jenis:<24}{int(row['truth']):>7}{int(row['found']):>7}{precision:>11}"
              f"{recall:>8}")
    print()
    print("per SOP (layanan):")
    for (lay, jenis), row in acc.per_sop.set_index(["layanan", "jenis"]).iterrows():
        print(f"  {lay:<26}{jenis:<24}truth {int(row['truth']):>5}  found "
              f"{int(row['found']):>5}  P {row['precision']:.4f}  R {row['recall']:.4f}")
    print()
    print(f"clean cases: {acc.clean_cases:,}; not fitness 1 / with a row: "
          f"{len(acc.clean_not_clean)} {acc.clean_not_clean[:10]}")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in acc.seconds.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--sop", type=Path, default=REPO / "data" / "sop")
    args = parser.parse_args(argv)
    acc = evaluate(seed=args.seed, cases=args.cases, sop=args.sop)
    _print(acc)
    worst: dict[str, float] = {}
    for _, row in acc.per_code.iterrows():
        worst[row["jenis"]] = min(row["precision"] if row["found"] else 1.0,
                                  row["recall"] if row["truth"] else 1.0)
    return 0 if all(v >= 0.98 for v in worst.values()) and not acc.clean_not_clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
