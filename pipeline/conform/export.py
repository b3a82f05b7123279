"""A check run as ``cases.csv`` and ``deviations.csv`` (the output contract, ``event-log.md``).

Both files are UTF-8 with a header, comma-separated, ``\\n`` line ends, sorted (cases by
``case_id``; deviations by ``case_id`` and ``urutan``), so the same inputs give the same bytes.
Instants are ISO 8601 with the offset of the SOP calendar's zone; fitness has six decimals at
most; booleans are ``true``/``false``; an empty cell means none.
"""

from __future__ import annotations

from pathlib import Path

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


def _case_sql(run_id: int) -> str:
    """cases.csv of ``run_id`` as text columns (NULL: an empty cell), formatted by DuckDB."""
    return f"""SELECT case_id, layanan, sop, status, {iso_local_sql('mulai')} AS mulai,
                      {iso_local_sql('selesai')} AS selesai,
                      round(fitness, 6)::VARCHAR AS fitness,
                      jumlah_penyimpangan::VARCHAR AS jumlah_penyimpangan,
                      waktu_penyelesaian_hari_kerja::VARCHAR AS waktu_penyelesaian_hari_kerja,
                      batas_hari_kerja::VARCHAR AS batas_hari_kerja,
                      tepat_waktu::VARCHAR AS tepat_waktu, janji_layanan, unit,
                      jumlah_kejadian::VARCHAR AS jumlah_kejadian, catatan
               FROM case_results WHERE run_id = {int(run_id)} ORDER BY case_id"""


def _deviation_sql(run_id: int) -> str:
    """deviations.csv of ``run_id`` as text columns, formatted by DuckDB."""
    return f"""SELECT d.case_id, d.urutan::VARCHAR AS urutan, d.jenis, d.langkah, d.aktivitas,
                      {iso_local_sql('d.waktu', 'c.zona')} AS waktu, d.keterangan
               FROM deviations d
               JOIN case_results c ON c.run_id = d.run_id AND c.case_id = d.case_id
               WHERE d.run_id = {int(run_id)} ORDER BY d.case_id, d.urutan"""


def write_results(wh: Warehouse, out_dir: str | Path, run_id: int | None = None
                  ) -> tuple[Path, Path]:
    """Write ``cases.csv`` and ``deviations.csv`` of a run (default: the latest) into
    ``out_dir``; returns their paths. DuckDB writes them (COPY): no row passes through
    Python, so ten million events cost no memory here."""
    run = latest_run(wh) if run_id is None else run_id
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "cases.csv", folder / "deviations.csv")
    for sql, path in zip((_case_sql(run), _deviation_sql(run)), paths, strict=True):
        wh.copy_csv(sql, path)
    return paths
