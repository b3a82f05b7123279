"""The demo: the whole pipeline on bundled Kepahiang-shaped data, in one call.

Today it loads the bundled counter-application sample (``data/sample/``) through its mapping
(``data/mappings/loket-kk.yaml``) into a fresh warehouse and returns the data-quality summary;
later stages (check, discover, report) are added here as they land, so that
``sopmine demo`` (the README's first command) always shows everything that works.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "data" / "sample"
MAPPING = PROJECT / "data" / "mappings" / "loket-kk.yaml"
DEMO_KEY = PROJECT / "data" / ".pseudonym.key"


@dataclass
class DemoResult:
    warehouse: Path
    out_dir: Path
    quality: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_demo(settings: Settings, out_dir: str | Path = PROJECT / "reports" / "demo") -> DemoResult:
    """Run every stage that exists on the bundled sample into a fresh warehouse in ``out_dir``."""
    from pipeline.ingest import ingest_files
    from pipeline.ingest.pseudonym import write_key
    from pipeline.ingest.quality import quality_summary
    from pipeline.warehouse import open_warehouse

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = DemoResult(warehouse=out / "warehouse.duckdb", out_dir=out)
    for old in out.glob("warehouse.duckdb*"):
        old.unlink()
    key_file = Path(settings.pseudonym_key_file).expanduser()
    if not key_file.exists():
        key_file = DEMO_KEY
        if not key_file.exists():
            write_key(key_file)
            result.notes.append(f"made a demo pseudonym key at {key_file} (git-ignored)")
    settings = settings.with_(pseudonym_key_file=str(key_file), db=str(result.warehouse))
    with open_warehouse(result.warehouse) as wh:
        ingest_files(wh, sorted(SAMPLE.glob("*.csv")), MAPPING, settings)
        result.quality = quality_summary(wh, settings)
    return result
