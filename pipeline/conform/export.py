"""A check run as ``cases.csv`` and ``deviations.csv`` (the output contract, ``event-log.md``).

Both files are UTF-8 with a header, comma-separated, ``\\n`` line ends, sorted (cases by
``case_id``; deviations by ``case_id`` and ``urutan``), so the same inputs give the same bytes.
Instants are ISO 8601 with the offset of the SOP calendar's zone; fitness has six decimals at
most; booleans are ``true``/``false``; an empty cell means none.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import WarehouseError
from pipeline.warehouse import Warehouse

CASE_COLUMNS = [
    "case_id", "layanan", "sop", "status", "mulai", "selesai", "fitness",
    "jumlah_penyimpangan", "waktu_penyelesaian_hari_kerja", "batas_hari_kerja", "tepat_waktu",
    "janji_layanan", "unit", "jumlah_kejadian", "catatan",
]
DEVIATION_COLUMNS = ["case_id", "urutan", "jenis", "langkah", "aktivitas", "waktu", "keterangan"]


def latest_run(wh: Warehouse) -> int:
    run = wh.scalar("SELECT max(run_id) FROM check_runs")
    if run is None:
        raise WarehouseError(f"{wh.path}: no check has run yet. Run: sopmine check --sop DIR")
    return int(run)


# Vectorised (a million cases must not take a Python call each): the same text as
# repr(round(v, 6)), str(int(v)) and true/false, with an empty cell for a missing value.
def _fitness(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype("float64").round(6)
    return numbers.astype(str).where(numbers.notna(), "")


def _integers(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype("Int64")
    return numbers.astype("string").fillna("").astype(object)


def _booleans(values: pd.Series) -> pd.Series:
    return values.map({True: "true", False: "false"}).where(values.notna(), "").fillna("")


def iso_local_sql(column: str, zone: str = "zona") -> str:
    """SQL for the ISO 8601 text of an instant in the row's zone (``2025-03-10T08:38:00+07:00``):
    local time, the fraction only when non-zero, then the offset as +hh:mm. Formatted by DuckDB:
    pandas' strftime took seconds on a million instants."""
    local = f"timezone({zone}, {column})"
    offset = f"(epoch({local}) - epoch({column}))::BIGINT"
    return f"""CASE WHEN {column} IS NULL OR {zone} IS NULL THEN NULL ELSE
        strftime({local}, '%Y-%m-%dT%H:%M:%S')
        || CASE WHEN microsecond({column}) % 1000000 = 0 THEN ''
                ELSE '.' || lpad((microsecond({column}) % 1000000)::VARCHAR, 6, '0') END
        || CASE WHEN {offset} < 0 THEN '-' ELSE '+' END
        || lpad((abs({offset}) // 3600)::VARCHAR, 2, '0') || ':'
        || lpad((abs({offset}) % 3600 // 60)::VARCHAR, 2, '0') END"""


def case_table(wh: Warehouse, run_id: int) -> pd.DataFrame:
    """cases.csv of ``run_id`` as text columns."""
    frame = wh.df(f"""SELECT * REPLACE ({iso_local_sql('mulai')} AS mulai,
                                        {iso_local_sql('selesai')} AS selesai)
                      FROM case_results WHERE run_id = ? ORDER BY case_id""", [run_id])
    out = frame[CASE_COLUMNS].astype(object).copy()
    out["fitness"] = _fitness(frame["fitness"])
    for col in ("jumlah_penyimpangan", "waktu_penyelesaian_hari_kerja", "batas_hari_kerja",
                "jumlah_kejadian"):
        out[col] = _integers(frame[col])
    out["tepat_waktu"] = _booleans(frame["tepat_waktu"])
    return out.fillna("")


def deviation_table(wh: Warehouse, run_id: int) -> pd.DataFrame:
    """deviations.csv of ``run_id`` as text columns."""
    frame = wh.df(f"""SELECT d.* REPLACE ({iso_local_sql('d.waktu', 'c.zona')} AS waktu)
                      FROM deviations d
                      JOIN case_results c ON c.run_id = d.run_id AND c.case_id = d.case_id
                      WHERE d.run_id = ? ORDER BY d.case_id, d.urutan""", [run_id])
    out = frame[DEVIATION_COLUMNS].astype(object).copy()
    out["urutan"] = _integers(frame["urutan"])
    return out.fillna("")


def write_results(wh: Warehouse, out_dir: str | Path, run_id: int | None = None
                  ) -> tuple[Path, Path]:
    """Write ``cases.csv`` and ``deviations.csv`` of a run (default: the latest) into
    ``out_dir``; returns their paths."""
    run = latest_run(wh) if run_id is None else run_id
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "cases.csv", folder / "deviations.csv")
    for table, path in zip((case_table(wh, run), deviation_table(wh, run)), paths, strict=True):
        table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return paths
