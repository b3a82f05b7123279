"""Shared fixtures: a real DuckDB warehouse in a temporary file, settings with a pseudonym key,
and the paths of the real public logs in ``../shared/data``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from pipeline.settings import Settings
from pipeline.warehouse import Warehouse, open_warehouse

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
DATA = Path(__file__).resolve().parent / "data"
MAPPINGS = DATA / "mappings"
BAD = DATA / "bad"

# the holiday table cache (pipeline.holiday_table) of this test session, not the user's
os.environ.setdefault("SOPMINE_CACHE_DIR", tempfile.mkdtemp(prefix="sopmine-test-cache-"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    key = tmp_path / "pseudonym.key"
    key.write_text("test-key-0123456789abcdef\n")
    return Settings(db=str(tmp_path / "warehouse.duckdb"), pseudonym_key_file=str(key))


@pytest.fixture
def warehouse(settings: Settings) -> Warehouse:
    wh = open_warehouse(settings.db)
    yield wh
    wh.close()


def table_counts(wh: Warehouse) -> dict[str, int]:
    """Row counts of the stored tables: what 'nothing changed' is checked against."""
    return {t: int(wh.scalar(f"SELECT count(*) FROM {t}")) for t in ("loads", "events", "quarantine")}
