"""Working time on the Indonesian calendar: hand-checked examples and properties.

Every expected instant below was worked out by hand from the SKB cuti bersama and the office
hours of Perpres 21/2023 (Mon-Thu 07:30-16:00 break 12:00-13:00, Fri 07:30-16:30 break
11:30-13:00); the holiday dates are checked against the installed ``holidays`` package first.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import holidays
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.calendar import (
    WorkingCalendar,
    add_working_seconds,
    calendar_from_settings,
    calendar_seconds,
    days_off,
    deadline,
    describe_hours,
    is_open,
    working_days_elapsed,
    working_seconds,
)
from pipeline.durations import parse_duration
from pipeline.errors import ConfigError

WIB = "Asia/Jakarta"
H = 3600.0


def cal_with(**table: object) -> WorkingCalendar:
    return calendar_from_settings(SimpleNamespace(calendars={"default": {}, "k": table}), "k")


DEFAULT = calendar_from_settings(SimpleNamespace(calendars={"default": {}}))


def at(text: str, tz: str = WIB) -> pd.Timestamp:
    return pd.Timestamp(text, tz=tz)


# --- the holiday data the examples rest on -------------------------------------------------


def test_installed_holidays_package_has_idul_fitri_2025_with_its_cuti_bersama():
    found = holidays.country_holidays("ID", years=2025, categories=("public", "government"))
    lebaran = {d for d in found if dt.date(2025, 3, 27) <= d <= dt.date(2025, 4, 8)}
    # Nyepi cuti bersama Fri 28/3, Nyepi Sat 29/3, Idul Fitri Mon 31/3 and Tue 1/4,
    # cuti bersama Wed 2/4 to Mon 7/4.
    assert lebaran == {dt.date(2025, 3, d) for d in (28, 29, 31)} | {
        dt.date(2025, 4, d) for d in (1, 2, 3, 4, 7)
    }
    cuti = holidays.country_holidays("ID", years=2025, categories=("government",))
    assert dt.date(2025, 3, 28) in cuti and dt.date(2025, 4, 7) in cuti


def test_calendar_records_the_holidays_version_it_was_built_with():
    assert DEFAULT.holidays_version == holidays.__version__
    assert DEFAULT.categories == ("public", "government")


def test_default_calendar_is_the_spec_calendar():
    assert DEFAULT.tz == WIB
    assert describe_hours(DEFAULT) == [
        "mon 07:30-12:00, 13:00-16:00",
        "tue 07:30-12:00, 13:00-16:00",
        "wed 07:30-12:00, 13:00-16:00",
        "thu 07:30-12:00, 13:00-16:00",
        "fri 07:30-11:30, 13:00-16:30",
        "sat closed",
        "sun closed",
    ]
    assert WorkingCalendar() == DEFAULT


def test_days_off_2025_list_lebaran_as_libur_and_cuti_bersama():
    table = days_off(DEFAULT, 2025).set_index("date")
    assert table.loc[dt.date(2025, 3, 28), "kind"] == "cuti_bersama"
    assert table.loc[dt.date(2025, 3, 31), "kind"] == "libur"
    assert table.loc[dt.date(2025, 4, 7), "kind"] == "cuti_bersama"
    assert dt.date(2025, 3, 29) not in table.index  # Nyepi falls on a Saturday: no weekday lost


# --- hand-checked deadlines ----------------------------------------------------------------


def test_ktp_started_friday_on_cuti_bersama_is_due_friday_after_lebaran():
    # Day 0 is Tue 8/4 (first working day after Lebaran), day 3 is Fri 11/4, close 16:30.
    assert DEFAULT.due("2025-03-28 10:00", "3 hari kerja") == at("2025-04-11 16:30")


def test_ktp_finished_friday_after_lebaran_counts_three_working_days():
    assert DEFAULT.working_days("2025-03-28 10:00", "2025-04-11 16:00") == 3
    assert DEFAULT.working_days("2025-03-28 10:00", "2025-04-08 09:00") == 0


def test_start_on_friday_afternoon_counts_friday_as_day_zero():
    assert DEFAULT.due("2025-01-10 15:00", "1 hari kerja") == at("2025-01-13 16:00")
    # 15:00-16:30 on Friday, then 07:30-08:30 on Monday.
    assert DEFAULT.working_time("2025-01-10 15:00", "2025-01-13 08:30") == pd.Timedelta(hours=2.5)


def test_start_on_sunday_counts_from_monday():
    assert DEFAULT.due("2025-01-12 10:00", "3 hari kerja") == at("2025-01-16 16:00")
    assert DEFAULT.working_time("2025-01-12 10:00", "2025-01-13 07:30") == pd.Timedelta(0)


def test_start_after_office_hours_counts_from_next_working_day():
    assert DEFAULT.due("2025-01-13 17:00", "3 hari kerja") == at("2025-01-17 16:30")
    # exactly at closing time is after office hours too
    assert DEFAULT.due("2025-01-13 16:00", "3 hari kerja") == at("2025-01-17 16:30")


def test_start_before_opening_counts_that_day():
    assert DEFAULT.due("2025-01-13 06:00", "3 hari kerja") == at("2025-01-16 16:00")


def test_case_spanning_new_year_skips_christmas_and_new_year():
    # Tue 24/12/2024 is day 0; Wed 25 Natal, Thu 26 cuti bersama; Fri 27 day 1, Mon 30 day 2,
    # Tue 31 day 3; Wed 1/1/2025 Tahun Baru; Thu 2/1 day 4; Fri 3/1 day 5.
    assert DEFAULT.due("2024-12-24 10:00", "3 hari kerja") == at("2024-12-31 16:00")
    assert DEFAULT.due("2024-12-24 10:00", "5 hari kerja") == at("2025-01-03 16:30")
    assert DEFAULT.working_time("2024-12-31 15:00", "2025-01-02 08:30") == pd.Timedelta(hours=2)


def test_idul_fitri_2024_and_2026():
    # 2024: 8-12/4 and 15/4 off; Fri 5/4 is day 0, Tue 16/4 day 1.
    assert DEFAULT.due("2024-04-05 09:00", "1 hari kerja") == at("2024-04-16 16:00")
    # 2026: Wed 18/3 cuti Nyepi, Thu 19/3 Nyepi, Fri 20/3 cuti, Mon 23 and Tue 24/3 cuti.
    assert DEFAULT.due("2026-03-17 14:00", "2 hari kerja") == at("2026-03-26 16:00")


def test_step_of_15_menit_started_near_closing_finishes_next_working_morning():
    assert DEFAULT.due("2025-01-10 16:20", "15 menit") == at("2025-01-13 07:35")
    assert DEFAULT.due("2025-01-13 11:50", "15 menit") == at("2025-01-13 13:05")
    assert DEFAULT.due("2025-01-13 15:00", "1 jam") == at("2025-01-13 16:00")


def test_calendar_durations_ignore_holidays():
    assert DEFAULT.due("2025-03-28 10:00", "3 hari") == at("2025-03-31 10:00")
    assert DEFAULT.due("2025-03-28 10:00", "1 x 24 jam") == at("2025-03-29 10:00")
    assert calendar_seconds([at("2025-03-28 10:00")], [at("2025-03-29 10:00")])[0] == 86400


# --- time zones, local days, Ramadan -------------------------------------------------------


def test_wita_and_wit_units_count_office_hours_in_their_own_zone():
    wita, wit = cal_with(timezone="WITA"), cal_with(timezone="WIT")
    start, end = (
        pd.Timestamp("2025-01-13 00:00", tz="UTC"),
        pd.Timestamp("2025-01-13 12:00", tz="UTC"),
    )
    # 00:00-12:00 UTC is 07:00-19:00 WIB, 08:00-20:00 WITA, 09:00-21:00 WIT.
    assert DEFAULT.working_time(start, end) == pd.Timedelta(hours=7.5)
    assert wita.working_time(start, end) == pd.Timedelta(hours=7)
    assert wit.working_time(start, end) == pd.Timedelta(hours=6)
    assert wita.due("2025-03-28 10:00", "3 hari kerja") == at("2025-04-11 16:30", "Asia/Makassar")
    assert wit.due("2025-03-28 10:00", "3 hari kerja") == at("2025-04-11 07:30", "UTC")
    three_pm_wib = at("2025-01-13 15:00")  # 17:00 WIT
    assert DEFAULT.is_open(three_pm_wib) and not wit.is_open(three_pm_wib)


def test_dukcapil_open_on_cuti_bersama_counts_that_day():
    settings = SimpleNamespace(
        calendars={"default": {"units": {"dukcapil": {"open": ["2025-04-07"]}}}}
    )
    dukcapil = calendar_from_settings(settings, unit="dukcapil")
    bkpsdm = calendar_from_settings(settings, unit="bkpsdm")
    # Mon 7/4 (cuti bersama) is day 0 for Dukcapil: due Thu 10/4 16:00.
    assert dukcapil.due("2025-03-28 10:00", "3 hari kerja") == at("2025-04-10 16:00")
    assert bkpsdm.due("2025-03-28 10:00", "3 hari kerja") == at("2025-04-11 16:30")
    assert dukcapil.is_working_day("2025-04-07") and not bkpsdm.is_working_day("2025-04-07")
    table = days_off(dukcapil, 2025).set_index("date")
    assert table.loc[dt.date(2025, 4, 7), "kind"] == "buka"


def test_saturday_service_with_its_own_hours():
    mpp = cal_with(open=["2025-04-05 08:00-12:00"])
    assert mpp.due("2025-03-28 10:00", "1 hari kerja") == at("2025-04-08 16:00")
    assert mpp.working_time("2025-04-05 00:00", "2025-04-06 00:00") == pd.Timedelta(hours=4)


def test_local_closed_day_is_skipped():
    kepahiang = cal_with(closed=["2025-01-14"])
    assert kepahiang.due("2025-01-13 09:00", "3 hari kerja") == at("2025-01-17 16:30")
    assert not kepahiang.is_working_day("2025-01-14")
    assert days_off(kepahiang, 2025).set_index("date").loc[dt.date(2025, 1, 14), "kind"] == "tutup"


def test_ramadan_hours_apply_on_their_dates_only():
    cal = cal_with(
        ramadan={
            "hours": {"mon": "08:00-15:00", "tue": "08:00-15:00", "fri": "08:00-15:30"},
            "breaks": {"mon": "12:00-12:30", "tue": "12:00-12:30", "fri": "11:30-12:30"},
            "dates": ["2025-03-01..2025-03-30"],
        }
    )
    assert cal.working_time("2025-03-10 00:00", "2025-03-11 00:00") == pd.Timedelta(hours=6.5)
    assert cal.working_time("2025-04-14 00:00", "2025-04-15 00:00") == pd.Timedelta(hours=7.5)
    assert cal.due("2025-03-10 10:00", "1 hari kerja") == at("2025-03-11 15:00")


# --- arrays --------------------------------------------------------------------------------


def test_arrays_carry_nat_through_as_nan():
    starts = pd.Series([at("2025-01-13 08:00"), pd.NaT], dtype=f"datetime64[ns, {WIB}]")
    ends = pd.Series([at("2025-01-13 09:00"), at("2025-01-13 09:00")])
    assert np.array_equal(working_seconds(DEFAULT, starts, ends), [H, np.nan], equal_nan=True)
    assert np.isnan(working_days_elapsed(DEFAULT, starts, ends)[1])
    due = deadline(DEFAULT, starts, parse_duration("1 hari kerja"))
    assert due[0] == at("2025-01-14 16:00") and pd.isna(due[1])


def test_office_is_open_in_hours_but_not_at_lunch_closing_or_on_cuti_bersama():
    moments = [
        at(t)
        for t in ("2025-01-13 07:30", "2025-01-13 12:30", "2025-01-13 16:00", "2025-04-07 09:00")
    ]
    assert is_open(DEFAULT, moments).tolist() == [True, False, False, False]


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        working_seconds(
            DEFAULT,
            pd.Series(pd.to_datetime(["2025-01-13"])),
            pd.Series(pd.to_datetime(["2025-01-14"])),
        )


def test_a_far_deadline_grows_the_table():
    assert DEFAULT.due("2025-01-13 09:00", "1000 hari kerja") > at("2028-12-01")
    assert add_working_seconds(DEFAULT, [at("2025-01-13 09:00")], 2000 * H)[0] > at("2026-01-01")


# --- bad settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"hours": {"mon": "7.30 - 16"}}, "07:30-16:00"),
        ({"hours": {"mon": "16:00-07:30"}}, "forwards"),
        ({"hours": {"monday": "07:30-16:00"}}, "senin"),
        ({"timezone": "Asia/Bengkulu"}, "WIB, WITA, WIT"),
        ({"jam_kerja": {}}, "Known keys"),
        ({"closed": ["28-03-2025"]}, "YYYY-MM-DD"),
        ({"closed": "2025-03-28"}, "must be a list"),
        ({"ramadan": {"dates": ["2025-03-01"]}}, "2025-03-01..2025-03-30"),
        ({"hours": {d: "" for d in ("mon", "tue", "wed", "thu", "fri")}}, "no office hours"),
        ({"units": {"dukcapil": {"calendar": "wita"}}}, "not defined"),
    ],
)
def test_bad_calendar_settings_say_what_to_fix(table, words):
    settings = SimpleNamespace(calendars={"default": {}, "k": table})
    with pytest.raises(ConfigError, match=words) as info:
        calendar_from_settings(settings, "k", unit="dukcapil")
    assert "\n" not in str(info.value) and "[calendar.k" in str(info.value)


def test_unknown_calendar_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match="Known calendars: default"):
        calendar_from_settings(SimpleNamespace(calendars={"default": {}}), "wita")


def test_unit_can_use_another_named_calendar():
    settings = SimpleNamespace(
        calendars={
            "default": {"units": {"upt-balai": {"calendar": "wita"}}},
            "wita": {"timezone": "WITA"},
        }
    )
    assert calendar_from_settings(settings, unit="upt-balai").tz == "Asia/Makassar"


# --- properties ----------------------------------------------------------------------------

LO, HI = at("2023-12-25").value // 10**9, at("2027-01-05").value // 10**9
# whole seconds, as logs record them, so that sums of seconds are exact in floating point
instants = st.integers(min_value=LO, max_value=HI).map(
    lambda s: pd.Timestamp(s, unit="s", tz="UTC")
)
DAYS_OFF_2025 = sorted(
    d
    for d in holidays.country_holidays("ID", years=2025, categories=("public", "government"))
    if d.weekday() < 5
)


def ws(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return float(working_seconds(DEFAULT, [a], [b])[0])


@settings(max_examples=150, deadline=None)
@given(st.lists(instants, min_size=3, max_size=3))
def test_working_time_is_nonnegative_additive_and_at_most_calendar_time(points):
    a, b, c = sorted(points)
    assert ws(a, b) >= 0
    assert ws(a, c) == ws(a, b) + ws(b, c)
    assert ws(a, c) <= (c - a).total_seconds()


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DAYS_OFF_2025), st.integers(0, 86399), st.integers(0, 86399))
def test_working_time_is_zero_inside_a_day_off(day, x, y):
    midnight = pd.Timestamp(day, tz=WIB)
    a, b = sorted([midnight + pd.Timedelta(seconds=x), midnight + pd.Timedelta(seconds=y)])
    assert ws(a, b) == 0


def reference_working_seconds(a: pd.Timestamp, b: pd.Timestamp) -> float:
    """Day-by-day reference: the spec's hours intersected with [a, b], holidays package direct."""
    off = holidays.country_holidays(
        "ID", years=range(2023, 2028), categories=("public", "government")
    )
    hours = {0: "07:30-12:00 13:00-16:00", 4: "07:30-11:30 13:00-16:30"}
    a, b = a.tz_convert(WIB), b.tz_convert(WIB)
    total, day = 0.0, a.normalize()
    while day <= b:
        if day.weekday() < 5 and day.date() not in off:
            for span in hours.get(day.weekday(), hours[0]).split():
                begin, end = (day + pd.Timedelta(f"{t}:00") for t in span.split("-"))
                total += max(0.0, (min(end, b) - max(begin, a)).total_seconds())
        day += pd.Timedelta(days=1)
    return total


@settings(max_examples=60, deadline=None)
@given(instants, st.integers(0, 40 * 86400))
def test_working_time_matches_a_day_by_day_reference(a, span):
    b = a + pd.Timedelta(seconds=span)
    assert ws(a, b) == reference_working_seconds(a, b)


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(1, 25))
def test_deadline_is_at_close_of_office_hours_of_a_working_day(start, n):
    due = DEFAULT.due(start, f"{n} hari kerja")
    local = due.tz_convert(WIB)
    assert DEFAULT.is_working_day(local.date())
    assert (local.hour, local.minute) == ((16, 30) if local.weekday() == 4 else (16, 0))
    assert DEFAULT.is_open(due - pd.Timedelta(seconds=1)) and not DEFAULT.is_open(due)
    assert due > start
    assert DEFAULT.working_days(start, due) == n


def test_a_unit_without_overrides_gets_the_calendar_itself():
    # equal calendars share their precomputed tables: no rebuild per kecamatan
    settings = SimpleNamespace(
        calendars={"default": {"units": {"dukcapil": {"open": ["2025-04-07"]}}}})
    assert calendar_from_settings(settings, unit="kabawetan") == calendar_from_settings(settings)
    assert calendar_from_settings(settings, unit="dukcapil") != calendar_from_settings(settings)
