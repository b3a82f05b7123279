"""``sopmine run``: ingest, check and report in one go, into a fresh warehouse in one folder.

:func:`run` loads the logs into ``DIR/warehouse.duckdb`` (made anew each time), checks every
case against the SOP models (files or folders; sop-ap/1 YAML, BPMN and PNML), writes
``cases.csv`` and ``deviations.csv`` and, when :mod:`pipeline.report` provides
``write_reports``, the reports (their own manifest is kept inside ours, key ``reports``); last
``manifest.json``: what went in (file hashes), the SOP
versions, the calendar, the software versions and the parameters, so the run can be repeated.
The manifest holds no wall-clock time: the same inputs give the same files.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.calendar import calendar_from_settings
from pipeline.conform import CheckResult, ModelView, check, write_results
from pipeline.errors import InputError
from pipeline.ingest.readers import file_hash
from pipeline.settings import Settings
from pipeline.sop import SopLibrary
from pipeline.sop.versions import model_files
from pipeline.stopwatch import stage

SOFTWARE = ("sopmine", "pm4py", "duckdb", "pandas", "holidays")


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    warehouse: Path
    cases_csv: Path
    deviations_csv: Path
    manifest: Path
    check: CheckResult
    reports: tuple[Path, ...] = field(default=())


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _write_reports(wh: Any, out: Path, settings: Settings, run_id: int) -> tuple[Path, ...]:
    """The reports, when the report stage provides ``pipeline.report.write_reports``."""
    try:
        report = importlib.import_module("pipeline.report")
    except ImportError:
        return ()
    writer = getattr(report, "write_reports", None)
    if writer is None:
        return ()
    return tuple(Path(p) for p in writer(wh, out, settings, run_id=run_id))


def run(logs: Sequence[str | Path], sops: Sequence[str | Path], out_dir: str | Path,
        settings: Settings, *, mapping: str | Path | None = None, as_of: Any = None,
        language: str | None = None, closed: bool = False, workers: int | None = None,
        reports: bool = True) -> RunResult:
    """Ingest ``logs`` (with ``mapping``), check them against ``sops`` and write the results
    into ``out_dir`` (see the module docstring); ``reports=False`` skips the reports."""
    from pipeline.ingest import ingest_files
    from pipeline.warehouse import open_warehouse

    for path in [*logs, *sops, *([mapping] if mapping else [])]:
        if not Path(path).exists():
            raise InputError("not found", file=path, fix="Check the path.")
    library = SopLibrary.load(*sops)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "warehouse.duckdb"
    for old in (db, out / "warehouse.duckdb.wal"):
        old.unlink(missing_ok=True)
    settings = settings.with_(db=str(db))
    with open_warehouse(db, memory_limit=settings.duckdb_memory_limit,
                        threads=settings.duckdb_threads) as wh:
        loads = ingest_files(wh, list(logs), mapping, settings)
        result = check(wh, library, settings, as_of=as_of, language=language, closed=closed,
                       workers=workers)
        with stage("write cases.csv, deviations.csv"):
            cases_csv, deviations_csv = write_results(wh, out, result.run_id)
        with stage("reports"):
            written = _write_reports(wh, out, settings, result.run_id) if reports else ()
    with stage("manifest"):
        manifest = out / "manifest.json"
        report_manifest = (json.loads(manifest.read_text(encoding="utf-8"))
                           if written and manifest.exists() else None)
        data = {
            "inputs": {
                "logs": [{"file": Path(r.file).name, "sha256": r.sha256,
                          "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                          "rows_quarantined": r.rows_quarantined} for r in loads],
                "mapping": ({"file": Path(mapping).name, "sha256": file_hash(Path(mapping))}
                            if mapping else None),
            },
            "sop": _sop_versions(library, sops),
            "calendar": _calendars(library, settings),
            "software": {**{p: _version(p) for p in SOFTWARE},
                         "python": platform.python_version()},
            "parameters": {"as_of": result.as_of.isoformat(), "language": language or
                           settings.language, "closed": closed, "timezone": settings.timezone},
            "results": {
                "cases": result.cases, "cases_without_sop": result.cases_without_sop,
                "deviations": result.deviations, "per_code": dict(result.per_code),
                "variants": result.variants,
                "files": {p.name: file_hash(p) for p in (cases_csv, deviations_csv)},
            },
            "reports": {"files": sorted(p.name for p in written), "manifest": report_manifest},
        }
        manifest.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
                            + "\n", encoding="utf-8")
    return RunResult(out, db, cases_csv, deviations_csv, manifest, result, written)


def _sop_versions(library: SopLibrary, sops: Sequence[str | Path]) -> list[dict[str, Any]]:
    hashes = {str(f): file_hash(f) for f in model_files(sops)}
    out = []
    for layanan in library.layanan:
        for model in library.versions(layanan):
            view = ModelView.of(model)
            sop = model.sop
            out.append({
                "layanan": layanan, "file": Path(model.file).name,
                "sha256": hashes.get(str(model.file)) or file_hash(Path(model.file)),
                "judul": sop.identitas.judul if sop is not None else model.name,
                "nomor_sop": sop.identitas.nomor_sop if sop is not None else None,
                "tanggal_efektif": (model.tanggal_efektif.isoformat()
                                    if model.tanggal_efektif else None),
                "kalender": view.kalender, "model_hash": view.key})
    return out


def _calendars(library: SopLibrary, settings: Settings) -> list[dict[str, Any]]:
    names = sorted({ModelView.of(m).kalender for lay in library.layanan
                    for m in library.versions(lay)} or {"default"})
    out = []
    for name in names:
        cal = calendar_from_settings(settings, name)
        out.append({"name": name, "timezone": cal.tz, "country": cal.country,
                    "holiday_categories": list(cal.categories),
                    "holidays_version": cal.holidays_version,
                    "settings": settings.calendars.get(name, {})})
    return out
