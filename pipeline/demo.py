"""The demo: the whole pipeline on a generated year of Kabupaten Kepahiang, in one call.

1. Generate the demo exports with :mod:`pipeline.synth` (seeded, so always the same) into
   ``data/demo/`` unless they are already there for the same seed and size.
2. Ingest them into a fresh warehouse in the output folder, each export through its mapping
   in ``data/mappings/`` (personal data pseudonymised with the user's key, or a demo key).
3. Check every case against the SOP library ``data/sop/`` (when the conformance stage is
   installed), discover the actual flow per service beside its SOP, and write the reports.

Every stage that exists runs, so ``sopmine demo`` (the README's first command) always shows
everything that works.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
SOPS = PROJECT / "data" / "sop"
MAPPINGS = PROJECT / "data" / "mappings"
DEMO_DATA = PROJECT / "data" / "demo"
DEMO_KEY = PROJECT / "data" / ".pseudonym.key"
SEED = 2025
CASES = 20_000

#: (export file pattern in the demo folder, its mapping)
SOURCES: tuple[tuple[str, str], ...] = (
    ("loket-kk-baru.csv", "siak-kk-baru.yaml"),
    ("loket-akta-kelahiran.csv", "siak-akta-kelahiran.yaml"),
    ("loket-ktp-el.csv", "siak-ktp-el.yaml"),
    ("simbg-pbg.xlsx", "simbg-pbg.yaml"),
    ("siasn/usulan_*.csv", "siasn-kenaikan-pangkat.yaml"),
)


@dataclass
class DemoResult:
    warehouse: Path
    out_dir: Path
    quality: dict[str, Any] = field(default_factory=dict)
    services: list[str] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)
    report: Path | None = None
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def ensure_demo_data(folder: Path = DEMO_DATA, *, seed: int = SEED, cases: int = CASES,
                     settings: Settings | None = None) -> bool:
    """Generate the demo exports unless ``folder`` already holds them for this seed and size.
    Returns whether it generated."""
    import datetime as dt

    from pipeline.sop import SopLibrary
    from pipeline.synth import generate, write_exports

    manifest = folder / "manifest.json"
    if manifest.exists():
        made = json.loads(manifest.read_text(encoding="utf-8"))
        if made.get("seed") == seed and made.get("cases") == cases:
            return False
    result = generate(SopLibrary.load(SOPS), seed=seed, cases=cases, start=dt.date(2025, 1, 1),
                      end=dt.date(2025, 12, 31), settings=settings)
    write_exports(result, folder)
    return True


def _demo_key(settings: Settings, result: DemoResult) -> Settings:
    import os

    from pipeline.ingest.pseudonym import write_key

    if os.environ.get("SOPMINE_PSEUDONYM_KEY"):
        return settings
    key_file = Path(settings.pseudonym_key_file).expanduser()
    if not key_file.exists():
        key_file = DEMO_KEY
        if not key_file.exists():
            write_key(key_file)
            result.notes.append(f"made a demo pseudonym key at {key_file} (git-ignored)")
    return settings.with_(pseudonym_key_file=str(key_file))


def run_demo(settings: Settings, out_dir: str | Path = PROJECT / "reports" / "demo", *,
             data_dir: str | Path = DEMO_DATA, seed: int = SEED, cases: int = CASES) -> DemoResult:
    """Run every stage that exists on the demo year into a fresh warehouse in ``out_dir``."""
    import datetime as dt

    from pipeline.calendar import calendar_from_settings
    from pipeline.conform import check, write_results
    from pipeline.discover import Filter
    from pipeline.ingest import ingest_files, load_mapping
    from pipeline.ingest.quality import quality_summary
    from pipeline.report import write_reports
    from pipeline.report.maps import write_discovery
    from pipeline.sop import SopLibrary
    from pipeline.warehouse import open_warehouse

    out, data = Path(out_dir), Path(data_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(warehouse=out / "warehouse.duckdb", out_dir=out)
    if ensure_demo_data(data, seed=seed, cases=cases, settings=settings):
        result.notes.append(f"generated {cases:,} demo cases (seed {seed}) in {data}")
    for old in out.glob("warehouse.duckdb*"):
        old.unlink()
    settings = _demo_key(settings, result).with_(db=str(result.warehouse))
    library = SopLibrary.load(SOPS)
    with open_warehouse(result.warehouse, memory_limit=settings.duckdb_memory_limit) as wh:
        for pattern, mapping_file in SOURCES:
            files = sorted(data.glob(pattern))
            mapping = load_mapping(MAPPINGS / mapping_file, settings.timezone)
            ingest_files(wh, files, mapping, settings)
        result.quality = quality_summary(wh, settings)
        calendar = calendar_from_settings(settings)
        result.services = [r[0] for r in wh.rows(
            "SELECT DISTINCT layanan FROM events WHERE layanan IS NOT NULL ORDER BY 1")]
        for layanan in result.services:
            # the map compares with the version in force at the end of the demo year
            models = [library.in_force(layanan, dt.date(2025, 12, 31))] \
                if layanan in library.layanan else []
            result.written += write_discovery(
                wh, out / "discover" / layanan, Filter(layanan=layanan, coverage=0.8), calendar,
                models=models)
        checked = check(wh, library, settings)
        result.written += list(write_results(wh, out, checked.run_id))
        reports = write_reports(wh, out / "laporan", settings, run_id=checked.run_id)
        result.written += list(reports)
        result.notes += list(getattr(reports, "notes", []))
        result.report = next((p for p in reports if p.suffix == ".html"), None)
        result.headline = _headline(wh, checked)
    return result


def _headline(wh: Any, checked: Any) -> dict[str, Any]:
    """The figures ``sopmine demo`` prints: cases, on time, conforming, top deviations."""
    cases, judged, on_time, conforming = wh.rows("""
        SELECT count(*), count(tepat_waktu), count(*) FILTER (WHERE tepat_waktu),
               count(*) FILTER (WHERE jumlah_penyimpangan = 0)
        FROM case_results WHERE run_id = ?""", [checked.run_id])[0]
    top = sorted(checked.per_code.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return {"cases": cases, "on_time": on_time / judged if judged else None,
            "without_deviation": conforming / cases if cases else None,
            "deviations": checked.deviations, "top": top, "variants": checked.variants,
            "seconds_check": checked.seconds}
