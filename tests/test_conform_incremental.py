"""Incremental checking: after one more month is loaded, `sopmine check` reuses the results of
the finished cases that nothing new touches and computes only the rest; the outcome is the
same as checking everything from scratch, and the earlier run still reads as it did."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.conform import check
from pipeline.ingest import ingest_files
from pipeline.settings import Settings
from pipeline.sop import SopLibrary
from pipeline.synth import generate
from pipeline.warehouse import open_warehouse
from tests.conftest import REPO

MAPPING = """columns: {case_id: case_id, activity: activity, timestamp: timestamp,
          resource: resource, role: role, layanan: layanan, unit: unit}
"""


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """A generated year cut at 1 December: eleven months, then one more."""
    folder = tmp_path_factory.mktemp("months")
    library = SopLibrary.load(REPO / "data" / "sop")
    events = generate(library, seed=11, cases=500, start=dt.date(2025, 1, 1),
                      end=dt.date(2025, 12, 31)).events
    cut = pd.Timestamp("2025-12-01", tz="Asia/Jakarta")
    (folder / "m.yaml").write_text(MAPPING)
    events[events["timestamp"] < cut].to_csv(folder / "jan-nov.csv", index=False)
    events[events["timestamp"] >= cut].to_csv(folder / "dec.csv", index=False)
    return folder, library


def _results(wh, run_id):
    cases = wh.rows("SELECT * EXCLUDE (run_id) FROM case_results WHERE run_id = ? ORDER BY case_id",
                    [run_id])
    devs = wh.rows("SELECT * EXCLUDE (run_id) FROM deviations WHERE run_id = ? "
                   "ORDER BY case_id, urutan", [run_id])
    return cases, devs


def test_a_new_month_rechecks_only_what_it_touches_and_gives_the_full_answer(months, tmp_path):
    folder, library = months
    settings = Settings(db=str(tmp_path / "a.duckdb"))
    with open_warehouse(tmp_path / "a.duckdb") as a:
        ingest_files(a, [folder / "jan-nov.csv"], folder / "m.yaml", settings)
        first = check(a, library, settings, workers=1)
        assert first.cases_reused == 0
        november = _results(a, first.run_id)
        ingest_files(a, [folder / "dec.csv"], folder / "m.yaml", settings)
        again = check(a, library, settings, workers=1)
        # most finished cases of January..November are untouched by December's events
        assert again.cases_reused > first.cases // 2
        incremental = _results(a, again.run_id)
        # the reused results are held by reference: the new run wrote only what it computed,
        # and November's report still reads November's answer
        written = a.scalar("SELECT count(*) FROM case_result_rows WHERE first_run = ?",
                           [again.run_id])
        assert written == again.cases - again.cases_reused
        assert _results(a, first.run_id) == november
    with open_warehouse(tmp_path / "b.duckdb") as b:
        ingest_files(b, [folder / "jan-nov.csv", folder / "dec.csv"], folder / "m.yaml", settings)
        full = check(b, library, settings, workers=1)
        assert full.cases_reused == 0
        assert _results(b, full.run_id) == incremental
    assert (again.cases, again.deviations, again.per_code) == (
        full.cases, full.deviations, full.per_code)


def test_nothing_new_reuses_every_finished_case(months, tmp_path):
    folder, library = months
    settings = Settings(db=str(tmp_path / "c.duckdb"))
    with open_warehouse(tmp_path / "c.duckdb") as wh:
        ingest_files(wh, [folder / "jan-nov.csv"], folder / "m.yaml", settings)
        first = check(wh, library, settings, workers=1)
        again = check(wh, library, settings, workers=1)
        finished = wh.scalar("SELECT count(*) FROM case_results WHERE run_id = ? "
                             "AND status <> 'berjalan'", [first.run_id])
        assert again.cases_reused == finished
        assert _results(wh, again.run_id) == _results(wh, first.run_id)


def test_another_language_or_sop_library_checks_everything_again(months, tmp_path):
    folder, library = months
    settings = Settings(db=str(tmp_path / "d.duckdb"))
    with open_warehouse(tmp_path / "d.duckdb") as wh:
        ingest_files(wh, [folder / "jan-nov.csv"], folder / "m.yaml", settings)
        check(wh, library, settings, workers=1)
        assert check(wh, library, settings, language="en", workers=1).cases_reused == 0
        smaller = SopLibrary.load(REPO / "data" / "sop" / "pbg.yaml")
        assert check(wh, smaller, settings, workers=1).cases_reused == 0


def test_the_same_sops_named_by_another_path_are_still_reused(months, tmp_path, monkeypatch):
    # a monthly re-check run from another folder names data/sop relatively: same SOPs
    folder, library = months
    settings = Settings(db=str(tmp_path / "e.duckdb"))
    with open_warehouse(tmp_path / "e.duckdb") as wh:
        ingest_files(wh, [folder / "jan-nov.csv"], folder / "m.yaml", settings)
        first = check(wh, library, settings, workers=1)
        monkeypatch.chdir(REPO)
        relative = SopLibrary.load("data/sop")
        assert {m.file for m in relative.versions("pbg")} != {m.file for m in library.versions("pbg")}
        again = check(wh, relative, settings, workers=1)
        assert again.cases_reused > first.cases // 2


def test_a_check_with_other_settings_in_between_does_not_break_reuse(months, tmp_path):
    # Indonesian, then English, then Indonesian again: the third reuses the first run's
    # results (copied, since the English run lies between) and all three read as before
    folder, library = months
    settings = Settings(db=str(tmp_path / "f.duckdb"))
    with open_warehouse(tmp_path / "f.duckdb") as wh:
        ingest_files(wh, [folder / "jan-nov.csv"], folder / "m.yaml", settings)
        first = check(wh, library, settings, workers=1)
        english = check(wh, library, settings, language="en", workers=1)
        in_english = _results(wh, english.run_id)
        third = check(wh, library, settings, workers=1)
        assert third.cases_reused > first.cases // 2
        assert _results(wh, third.run_id) == _results(wh, first.run_id)
        assert _results(wh, english.run_id) == in_english
        assert in_english != _results(wh, first.run_id)


def test_results_stored_by_an_earlier_schema_read_the_same_after_the_upgrade(tmp_path,
                                                                              monkeypatch):
    # a warehouse written before results were held by reference (schema 2: case_results and
    # deviations were tables) is migrated on opening; its runs read exactly as before
    from pipeline import warehouse as wmod

    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(wmod, "SCHEMA_VERSION", 2)
    with open_warehouse(path) as old:
        old.execute("""INSERT INTO check_runs VALUES (1, now(), TIMESTAMPTZ '2025-03-31 16:00+07',
                       'id', '{}', '[]', 2, 1, 1, 1)""")
        old.execute("""INSERT INTO case_results VALUES
            (1, 'KK-1', 'kk-baru', 'Dukcapil', 'SOP KK', '470/012', DATE '2024-01-02', 'm', 'v', 'selesai',
             TIMESTAMPTZ '2025-03-03 08:00+07', TIMESTAMPTZ '2025-03-05 10:00+07', 0.9, 1, 2, 5,
             '5 hari kerja', true, 4, 'Asia/Jakarta', NULL),
            (1, 'KK-2', 'kk-baru', NULL, 'SOP KK', '470/012', DATE '2024-01-02', 'm', 'v', 'berjalan',
             TIMESTAMPTZ '2025-03-28 08:00+07', NULL, 1.0, 0, NULL, 5, '5 hari kerja', NULL, 2,
             'Asia/Jakarta', NULL)""")
        old.execute("""INSERT INTO deviations VALUES (1, 'KK-1', 1, 'skipped_step', 'validasi',
                       NULL, NULL, 'Langkah validasi dilewati.')""")
        before = _results(old, 1)
    monkeypatch.setattr(wmod, "SCHEMA_VERSION", 3)
    with open_warehouse(path) as new:
        assert new.schema_version() == 3
        assert _results(new, 1) == before
        assert len(before[0]) == 2 and len(before[1]) == 1
        assert new.rows("SELECT DISTINCT first_run, last_run FROM case_result_rows") == [(1, 1)]
