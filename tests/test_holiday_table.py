"""The days off of the ``holidays`` package, stored on disk per package version so that a
check does not pay ~0.35 s importing the package: the stored table must be the package's
answer, and a missing, broken or unwritable cache must never change an answer."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import holidays
import pytest

from pipeline import holiday_table
from tests.conftest import REPO

ID = ("ID", ("public", "government"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SOPMINE_CACHE_DIR", str(tmp_path / "cache"))
    holiday_table._table.cache_clear()
    yield tmp_path / "cache"
    holiday_table._table.cache_clear()


def _package(first: int, last: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("ID", years=range(first, last + 1),
                                          categories=("public", "government")).items())


def test_stored_days_off_are_the_holidays_package_answer_with_cuti_bersama(cache):
    first = holiday_table.days_off(*ID, 2023, 2026)
    assert first == _package(2023, 2026)
    assert dt.date(2025, 4, 2) in first  # cuti bersama Idul Fitri 2025
    stored = list(cache.glob(f"holidays-{holidays.__version__}-ID-public+government.json"))
    assert len(stored) == 1
    holiday_table._table.cache_clear()  # as a new process: read back from the file
    assert holiday_table.days_off(*ID, 2023, 2026) == first


def test_years_outside_the_stored_range_still_come_from_the_package(cache):
    assert holiday_table.days_off(*ID, 1998, 2001) == _package(1998, 2001)


def test_a_broken_or_unwritable_cache_changes_no_answer(cache, tmp_path, monkeypatch):
    cache.mkdir()
    (cache / f"holidays-{holidays.__version__}-ID-public+government.json").write_text("{half")
    assert holiday_table.days_off(*ID, 2025, 2025) == _package(2025, 2025)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("SOPMINE_CACHE_DIR", str(blocker / "cache"))
    holiday_table._table.cache_clear()
    assert holiday_table.days_off(*ID, 2025, 2025) == _package(2025, 2025)


def test_an_unknown_country_is_still_refused(cache):
    with pytest.raises(NotImplementedError):
        holiday_table.check_known("XX", ("public",))


def test_working_time_with_the_table_stored_does_not_import_the_holidays_package(tmp_path):
    # the reason the table exists: the second process reads the file, never the package
    code = ("import sys; from pipeline.calendar import WorkingCalendar; "
            "cal = WorkingCalendar(); "
            "assert not cal.is_working_day('2025-04-02'); "  # cuti bersama
            "assert cal.is_working_day('2025-04-09'); "
            "print('holidays' in sys.modules)")
    env = {**os.environ, "SOPMINE_CACHE_DIR": str(tmp_path / "cache")}
    imported = [subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, check=True,
                               capture_output=True, text=True).stdout.strip() for _ in range(2)]
    assert imported == ["True", "False"]


def test_no_home_folder_means_no_cache_not_a_failure(monkeypatch):
    # a container's arbitrary user: no HOME, no passwd entry, no XDG_CACHE_HOME
    for name in ("SOPMINE_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(holiday_table.Path, "home", staticmethod(no_home))
    holiday_table._table.cache_clear()
    try:
        assert holiday_table.days_off(*ID, 2025, 2025) == _package(2025, 2025)
    finally:
        holiday_table._table.cache_clear()


def test_a_stored_file_of_the_wrong_shape_is_computed_again(cache):
    cache.mkdir()
    (cache / f"holidays-{holidays.__version__}-ID-public+government.json").write_text(
        '{"first": 2000, "last": 2050, "days": ["2025-01-01"]}')
    assert holiday_table.days_off(*ID, 2025, 2025) == _package(2025, 2025)
    assert not list(cache.glob("*.tmp"))
