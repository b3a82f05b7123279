"""SIASN-style status snapshots: successive exports of current statuses become status-change
events, timestamped by the snapshot's date."""

from __future__ import annotations

from pipeline.ingest import ingest_files
from tests.conftest import DATA, table_counts

SNAPS = DATA / "snapshots"
FILES = sorted(SNAPS.glob("usulan_*.csv"))


def _history(wh):
    return wh.rows("""SELECT case_id, activity, strftime(timezone('Asia/Jakarta', timestamp), '%d/%m')
                      FROM events ORDER BY case_id, timestamp""")


def test_each_status_change_becomes_one_event_on_its_snapshot_date(warehouse, settings):
    # given out of order on the command line: snapshots are loaded in date order
    results = ingest_files(warehouse, list(reversed(FILES)), SNAPS / "siasn.yaml", settings)
    assert [r.rows_loaded for r in results] == [2, 2, 2]
    assert [r.rows_duplicate for r in results] == [0, 1, 1]
    assert _history(warehouse) == [
        ("KP-01", "usul", "03/03"), ("KP-01", "verifikasi", "10/03"), ("KP-01", "bts", "17/03"),
        ("KP-02", "usul", "03/03"), ("KP-02", "verifikasi", "17/03"),
        ("KP-03", "usul", "10/03"),
    ]


def test_snapshots_loaded_one_by_one_give_the_same_history(warehouse, settings):
    for f in FILES:
        ingest_files(warehouse, [f], SNAPS / "siasn.yaml", settings)
    assert len(_history(warehouse)) == 6


def test_loading_the_snapshots_again_adds_nothing(warehouse, settings):
    ingest_files(warehouse, FILES, SNAPS / "siasn.yaml", settings)
    before = table_counts(warehouse)
    ingest_files(warehouse, FILES, SNAPS / "siasn.yaml", settings)
    assert table_counts(warehouse) == before
