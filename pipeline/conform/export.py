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


def iso_local(instants: pd.Series, zones: pd.Series) -> pd.Series:
    """ISO 8601 text of UTC instants in each row's zone (``2025-03-10T08:38:00+07:00``)."""
    out = pd.Series("", index=instants.index, dtype=object)
    for zone in sorted(zones.dropna().unique()):
        mask = (zones == zone) & instants.notna()
        if not mask.any():
            continue
        local = pd.DatetimeIndex(instants[mask]).tz_convert(zone)
        text = pd.Series(local.strftime("%Y-%m-%dT%H:%M:%S%z"), index=instants.index[mask])
        frac = pd.Series(local.microsecond, index=text.index)
        text = text.where(frac == 0, text.str[:19] + "." + frac.map("{:06d}".format)
                          + text.str[19:])
        out[mask] = text.str[:-2] + ":" + text.str[-2:]
    return out


def _fitness(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else repr(round(float(v), 6)))


def _integers(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if pd.isna(v) else str(int(v)))


def _booleans(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or pd.isna(v) else ("true" if v else "false"))


def case_table(wh: Warehouse, run_id: int) -> pd.DataFrame:
    """cases.csv of ``run_id`` as text columns."""
    frame = wh.df("SELECT * FROM case_results WHERE run_id = ? ORDER BY case_id", [run_id])
    out = frame[CASE_COLUMNS].astype(object).copy()
    out["mulai"] = iso_local(frame["mulai"], frame["zona"])
    out["selesai"] = iso_local(frame["selesai"], frame["zona"])
    out["fitness"] = _fitness(frame["fitness"])
    for col in ("jumlah_penyimpangan", "waktu_penyelesaian_hari_kerja", "batas_hari_kerja",
                "jumlah_kejadian"):
        out[col] = _integers(frame[col])
    out["tepat_waktu"] = _booleans(frame["tepat_waktu"])
    return out.fillna("")


def deviation_table(wh: Warehouse, run_id: int) -> pd.DataFrame:
    """deviations.csv of ``run_id`` as text columns."""
    frame = wh.df("""SELECT d.*, c.zona FROM deviations d
                     JOIN case_results c ON c.run_id = d.run_id AND c.case_id = d.case_id
                     WHERE d.run_id = ? ORDER BY d.case_id, d.urutan""", [run_id])
    out = frame[DEVIATION_COLUMNS].astype(object).copy()
    out["urutan"] = _integers(frame["urutan"])
    out["waktu"] = iso_local(frame["waktu"], frame["zona"])
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
