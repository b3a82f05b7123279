"""cases.csv and deviations.csv write instants as ISO 8601 in the zone of the case's SOP
calendar: the DuckDB formatting equals Python's own isoformat for any instant and zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.conform.export import iso_local_sql
from pipeline.warehouse import open_warehouse

ZONES = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Rome", "America/Sao_Paulo",
         "Asia/Kolkata"]
instants = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 1, 1),
                        timezones=st.just(dt.UTC))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.tuples(instants, st.sampled_from(ZONES)), min_size=1, max_size=20))
def test_iso_text_of_an_instant_in_its_zone_matches_python(values):
    with open_warehouse(":memory:") as wh:
        wh.execute("CREATE TABLE t (i INTEGER, ts TIMESTAMPTZ, zona VARCHAR)")
        for i, (ts, zone) in enumerate(values):
            wh.execute("INSERT INTO t VALUES (?, ?, ?)", [i, ts, zone])
        got = [r[0] for r in wh.rows(f"SELECT {iso_local_sql('ts')} FROM t ORDER BY i")]
    want = [ts.astimezone(ZoneInfo(zone)).isoformat() for ts, zone in values]
    assert got == want


def test_a_missing_instant_stays_empty():
    with open_warehouse(":memory:") as wh:
        sql = iso_local_sql("NULL::TIMESTAMPTZ", "'Asia/Jakarta'")
        assert wh.scalar(f"SELECT {sql}") is None
