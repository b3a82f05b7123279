"""Ingest: readers for CSV, Excel, Parquet, XES and status snapshots; mapping; quarantine;
pseudonymisation; the data-quality summary. :func:`ingest_files` is the entry point."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.ingest.load import LoadResult, Progress, ingest_file, snapshot_date_of
from pipeline.ingest.mapping import Mapping, load_mapping
from pipeline.settings import Settings
from pipeline.stopwatch import stage
from pipeline.warehouse import Warehouse


def ingest_files(wh: Warehouse, files: Sequence[str | Path], mapping: Mapping | str | Path | None,
                 settings: Settings, *, progress: Progress | None = None) -> list[LoadResult]:
    """Load each file in its own transaction. Status snapshots are loaded in date order."""
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping, settings.timezone)
    paths = [Path(f) for f in files]
    dated = [(snapshot_date_of(p, mapping) if mapping else None, p) for p in paths]
    if mapping is not None and mapping.snapshot:
        dated.sort(key=lambda item: (item[0] is None, item[0], str(item[1])))
    with stage("ingest"):
        return [ingest_file(wh, p, mapping, settings, progress=progress, snapshot_date=d)
                for d, p in dated]


__all__ = ["LoadResult", "Mapping", "ingest_file", "ingest_files", "load_mapping"]
