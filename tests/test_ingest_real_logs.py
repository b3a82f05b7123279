"""The real public logs of ../shared/data load with exactly the case and event counts that
their README states, through the mappings in tests/data/mappings."""

from __future__ import annotations

import pytest

from pipeline.ingest import ingest_files
from tests.conftest import MAPPINGS, SHARED_DATA

REAL_LOGS = [
    # (file, mapping, cases, events) as stated in ../shared/data/README.md
    ("running_example/running-example.csv", "pm4py-csv.yaml", 6, 42),
    ("running_example/running-example.xes", "xes.yaml", 6, 42),
    ("receipt/receipt.xes.gz", "xes.yaml", 1434, 8577),
    ("receipt/receipt.csv", "pm4py-csv.yaml", 1434, 8577),
    ("sepsis/sepsis.csv", "sepsis.yaml", 1050, 15214),
    ("helpdesk/helpdesk.xes.gz", "xes.yaml", 4580, 21348),
    ("helpdesk/helpdesk.csv", "helpdesk-csv.yaml", 3804, 13710),
    ("other_pm4py/teleclaims.xes.gz", "xes.yaml", 3512, 46138),
    ("other_pm4py/repairExample.xes.gz", "xes.yaml", 1104, 11855),
    ("other_pm4py/reviewing.xes", "xes.yaml", 100, 3730),
]


@pytest.mark.parametrize(("log", "mapping", "cases", "events"), REAL_LOGS,
                         ids=[r[0] for r in REAL_LOGS])
def test_real_log_loads_with_the_counts_its_readme_states(warehouse, settings, log, mapping,
                                                          cases, events):
    [result] = ingest_files(warehouse, [SHARED_DATA / log], MAPPINGS / mapping, settings)
    assert result.rows_quarantined == 0
    assert warehouse.scalar("SELECT count(DISTINCT case_id) FROM events") == cases
    assert warehouse.scalar("SELECT count(*) FROM events") == events
    assert result.rows_read == result.rows_loaded == events


def test_sepsis_case_na_is_a_real_case_id_not_a_missing_value(warehouse, settings):
    ingest_files(warehouse, [SHARED_DATA / "sepsis/sepsis.csv"], MAPPINGS / "sepsis.yaml", settings)
    assert warehouse.scalar("SELECT count(*) FROM events WHERE case_id = 'NA'") > 0


def test_offsets_in_receipt_keep_the_exact_instant(warehouse, settings):
    # receipt.csv writes 2011-10-11 13:45:40.276000+02:00 for the first event of case-10011
    ingest_files(warehouse, [SHARED_DATA / "receipt/receipt.csv"], MAPPINGS / "pm4py-csv.yaml",
                 settings)
    first = warehouse.scalar("SELECT min(timestamp) FROM events WHERE case_id = 'case-10011'")
    assert first.isoformat() == "2011-10-11T11:45:40.276000+00:00"


def test_xes_and_csv_of_the_same_log_give_the_same_instants(warehouse, settings):
    ingest_files(warehouse, [SHARED_DATA / "receipt/receipt.xes.gz"], MAPPINGS / "xes.yaml", settings)
    ingest_files(warehouse, [SHARED_DATA / "receipt/receipt.csv"], MAPPINGS / "pm4py-csv.yaml",
                 settings)
    differing = warehouse.scalar("""
        SELECT count(*) FROM (
            SELECT case_id, activity, timestamp FROM events WHERE load_id = 1
            EXCEPT ALL
            SELECT case_id, activity, timestamp FROM events WHERE load_id = 2)""")
    assert differing == 0


@pytest.mark.slow
def test_road_traffic_fines_full_log_loads_all_150370_cases(warehouse, settings):
    log = SHARED_DATA / "road_traffic_fines/Road_Traffic_Fine_Management_Process.xes.gz"
    [result] = ingest_files(warehouse, [log], MAPPINGS / "xes.yaml", settings)
    assert warehouse.scalar("SELECT count(DISTINCT case_id) FROM events") == 150370
    assert warehouse.scalar("SELECT count(*) FROM events") == 561470
    assert result.rows_quarantined == 0
