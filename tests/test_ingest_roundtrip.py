"""Round trips: events written as CSV, Parquet or XES and loaded back come out equal, for any
unicode activity name, any time zone offset and missing resources."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.ingest import ingest_files
from pipeline.settings import Settings
from pipeline.warehouse import open_warehouse

MAPPING = """columns: {case_id: "case:concept:name", activity: "concept:name",
          timestamp: "time:timestamp", resource: "org:resource"}
"""

text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
               max_size=20).map(str.strip).filter(bool)
offsets = st.sampled_from([0, 7 * 60, 8 * 60, 9 * 60, -5 * 60, 5 * 60 + 30])
instants = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2026, 1, 1))  # the future is quarantined
event = st.tuples(st.sampled_from(["KK-1", "KK-2", "AK/2025/003", "ñ-7"]), text,
                  instants.map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)),
                  offsets, st.one_of(st.none(), text))
logs = st.lists(event, min_size=1, max_size=30)


def _aware(ts: dt.datetime, minutes: int) -> dt.datetime:
    return ts.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))


def _write_csv(path: Path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case:concept:name", "concept:name", "time:timestamp", "org:resource"])
        for case, act, ts, off, res in rows:
            w.writerow([case, act, _aware(ts, off).isoformat(), res or ""])


def _write_parquet(path: Path, rows) -> None:
    pq.write_table(pa.table({
        "case:concept:name": [r[0] for r in rows],
        "concept:name": [r[1] for r in rows],
        "time:timestamp": pa.array([_aware(r[2], r[3]) for r in rows], pa.timestamp("us", "UTC")),
        "org:resource": [r[4] for r in rows],
    }), path)


def _write_xes(path: Path, rows) -> None:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">']
    for case in dict.fromkeys(r[0] for r in rows):
        out.append(f'<trace><string key="concept:name" value={quoteattr(case)}/>')
        for c, act, ts, off, res in rows:
            if c != case:
                continue
            out.append(f'<event><string key="concept:name" value={quoteattr(act)}/>'
                       f'<date key="time:timestamp" value="{_aware(ts, off).isoformat()}"/>')
            if res is not None:
                out.append(f'<string key="org:resource" value={quoteattr(res)}/>')
            out.append("</event>")
        out.append("</trace>")
    out.append("</log>")
    path.write_text("\n".join(out), encoding="utf-8")


WRITERS = {"log.csv": _write_csv, "log.parquet": _write_parquet, "log.xes": _write_xes}


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=logs, name=st.sampled_from(sorted(WRITERS)))
def test_events_written_and_loaded_back_are_equal(rows, name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "m.yaml").write_text(MAPPING)
        WRITERS[name](folder / name, rows)
        s = Settings(db=":memory:")
        with open_warehouse(":memory:") as wh:
            [r] = ingest_files(wh, [folder / name], folder / "m.yaml", s)
            assert r.rows_quarantined == 0
            got = wh.rows("SELECT case_id, activity, timestamp, resource FROM events "
                          "ORDER BY load_id, source_row")
    want = [(c, a, _aware(t, o), res) for c, a, t, o, res in rows]
    if name == "log.xes":  # XES groups events by trace
        want = sorted(want, key=lambda w: list(dict.fromkeys(r[0] for r in rows)).index(w[0]))
    assert [(c, a, t.astimezone(dt.UTC), res) for c, a, t, res in got] == \
        [(c, a, t.astimezone(dt.UTC), res) for c, a, t, res in want]


def test_a_file_staged_in_several_groups_loads_every_row_once_in_order(tmp_path, monkeypatch):
    # large files reach DuckDB in groups of batches (load.STAGE_ROWS): shrink both sizes so
    # that 30 rows make ten reader batches and four groups, with the last group a short one
    from pipeline.ingest import load, readers

    monkeypatch.setattr(readers, "BATCH_ROWS", 3)
    monkeypatch.setattr(load, "STAGE_ROWS", 8)
    rows = [(f"KK-{i % 4}", f"langkah {i}", dt.datetime(2025, 3, 1 + i % 20, 8, i), 7 * 60,
             f"petugas {i % 3}") for i in range(30)]
    (tmp_path / "m.yaml").write_text(MAPPING)
    _write_parquet(tmp_path / "log.parquet", rows)
    with open_warehouse(":memory:") as wh:
        [r] = ingest_files(wh, [tmp_path / "log.parquet"], tmp_path / "m.yaml",
                           Settings(db=":memory:"))
        got = wh.rows("SELECT source_row, case_id, activity, resource FROM events "
                      "ORDER BY source_row")
    assert (r.rows_read, r.rows_loaded) == (30, 30)
    assert got == [(i + 1, c, a, res) for i, (c, a, _, _, res) in enumerate(rows)]
